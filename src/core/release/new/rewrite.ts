import { OkdError } from '../../errors';
import { isObject } from '../imageReferences';
import { METADATA_KIND } from '../metadata';
import { ANNOTATION_COMMIT, ANNOTATION_DISPLAY_NAMES, ANNOTATION_OVERRIDE, ANNOTATION_REF, ANNOTATION_SOURCE, ANNOTATION_VERSIONS } from '../model';

/** The ImageStream annotation oc sets on a payload built `--from-release`. */
export const ANNOTATION_FROM_RELEASE = 'release.openshift.io/from-release';

/** A component whose image changes: the old and new pullspecs and the new image's config labels. */
export interface ResolvedReplacement {
  name: string;
  from: string;
  to: string;
  labels: Record<string, string>;
}

// Characters that can continue a pullspec on either side: an occurrence bordered by one of these is part of a
// longer pullspec (another registry, a longer tag) and is left alone.
const BEFORE = /[A-Za-z0-9._\-/]/;
const AFTER = /[A-Za-z0-9._\-/:@]/;

/**
 * Replaces whole occurrences of the pullspec `from` with `to`: what `oc adm release new` effectively does when it
 * re-renders an operator's manifests with the new digest. Returns the text and how many were replaced.
 */
export function replacePullspec(text: string, from: string, to: string): { text: string; count: number } {
  if (!from || from === to) return { text, count: 0 };
  let count = 0;
  let out = '';
  let start = 0;
  for (let at = text.indexOf(from); at >= 0; at = text.indexOf(from, at + from.length)) {
    const before = at > 0 ? text[at - 1] : '';
    const after = text[at + from.length] ?? '';
    if ((before && BEFORE.test(before)) || (after && AFTER.test(after))) continue;
    out += text.slice(start, at) + to;
    start = at + from.length;
    count++;
  }
  return count ? { text: out + text.slice(start), count } : { text, count: 0 };
}

/** `2026-11-01T10:00:00Z`: the timestamp form Kubernetes objects and image configs use (no fraction). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The default name of a custom release: the source version plus `-custom-<yyyymmddhhmm>` (UTC), still a semantic
 * version (oc requires one), and sorting after the source. `4.19.0-okd-scos.1` -> `4.19.0-okd-scos.1-custom-202611011000`.
 */
export function defaultReleaseName(version: string, now: Date): string {
  const stamp = rfc3339(now).replace(/[-:T]/g, '').slice(0, 12);
  const plus = version.indexOf('+');
  const core = plus >= 0 ? version.slice(0, plus) : version;
  const build = plus >= 0 ? version.slice(plus) : '';
  return `${core}-custom-${stamp}${build}`;
}

const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isSemver(text: string): boolean {
  return SEMVER_RE.test(text);
}

/** A release name as an image tag: semver build metadata (`+`) is not allowed in tags. */
export function tagForName(name: string): string {
  return name.replace(/\+/g, '-').slice(0, 128);
}

/**
 * Rewrites `image-references` as `oc adm release new` does: each replaced tag gets the new pullspec, its
 * annotations are cleared and set to `io.openshift.release.override: "true"` plus the build labels of the new
 * image; the stream takes the new name, creation time and `from-release` annotation; tags are sorted by name.
 * Unknown fields (generation, importPolicy, status) are kept.
 */
export function rewriteImageReferences(text: string, replacements: ResolvedReplacement[], name: string, now: Date, fromRelease: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OkdError('unsupported', `image-references of ${fromRelease} is not JSON: ${(err as Error).message}`, 'only payloads built by oc (JSON image-references) can be the source of a custom release');
  }
  if (!isObject(doc) || !isObject(doc['spec']) || !Array.isArray(doc['spec']['tags'])) {
    throw new OkdError('not-a-payload', `image-references of ${fromRelease} has no spec.tags`);
  }
  const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
  doc['metadata'] = metadata;
  metadata['name'] = name;
  metadata['creationTimestamp'] = rfc3339(now);
  metadata['annotations'] = { ...(isObject(metadata['annotations']) ? metadata['annotations'] : {}), [ANNOTATION_FROM_RELEASE]: fromRelease };
  const byName = new Map(replacements.map((r) => [r.name, r]));
  const tags = doc['spec']['tags'] as unknown[];
  for (const tag of tags) {
    if (!isObject(tag) || typeof tag['name'] !== 'string') continue;
    const r = byName.get(tag['name']);
    if (!r) continue;
    tag['from'] = { kind: 'DockerImage', name: r.to };
    const annotations: Record<string, string> = { [ANNOTATION_OVERRIDE]: 'true' };
    for (const key of [ANNOTATION_COMMIT, ANNOTATION_REF, ANNOTATION_SOURCE]) {
      const value = r.labels[key];
      if (value) annotations[key] = value;
    }
    if (r.labels[ANNOTATION_VERSIONS]) {
      annotations[ANNOTATION_VERSIONS] = r.labels[ANNOTATION_VERSIONS];
      if (r.labels[ANNOTATION_DISPLAY_NAMES]) annotations[ANNOTATION_DISPLAY_NAMES] = r.labels[ANNOTATION_DISPLAY_NAMES];
    }
    tag['annotations'] = annotations;
  }
  tags.sort((a, b) => {
    const x = isObject(a) && typeof a['name'] === 'string' ? a['name'] : '';
    const y = isObject(b) && typeof b['name'] === 'string' ? b['name'] : '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return JSON.stringify(doc, null, 2);
}

/** `release-metadata` with the new version; previous, next and metadata are kept (oc carries them over). */
export function rewriteReleaseMetadata(text: string | undefined, name: string): string {
  let doc: Record<string, unknown> = { kind: METADATA_KIND, version: name, previous: [] };
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) doc = parsed;
    } catch {
      // an unreadable release-metadata is replaced by a minimal one
    }
  }
  doc['kind'] = METADATA_KIND;
  doc['version'] = name;
  if (!Array.isArray(doc['previous'])) doc['previous'] = [];
  return JSON.stringify(doc, null, 2);
}

export interface RewrittenFiles {
  files: Map<string, string>;
  /** Manifest (and metadata) files whose text changed, sorted. */
  changed: string[];
  /** Replacements that no manifest referenced (the component is not deployed by a manifest, e.g. an operand). */
  unreferenced: string[];
}

/**
 * The new `release-manifests/`: image-references and release-metadata rewritten, every other file with the old
 * pullspecs of replaced components swapped for the new ones and otherwise byte-identical, in the original order.
 */
export function rewriteReleaseFiles(
  files: Map<string, string>,
  replacements: ResolvedReplacement[],
  name: string,
  now: Date,
  fromRelease: string,
): RewrittenFiles {
  const out = new Map<string, string>();
  const changed: string[] = [];
  const used = new Set<string>();
  for (const [file, text] of files) {
    if (file === 'image-references') {
      out.set(file, rewriteImageReferences(text, replacements, name, now, fromRelease));
      continue;
    }
    if (file === 'release-metadata') {
      out.set(file, rewriteReleaseMetadata(text, name));
      continue;
    }
    let next = text;
    for (const r of replacements) {
      const result = replacePullspec(next, r.from, r.to);
      if (result.count) used.add(r.name);
      next = result.text;
    }
    if (next !== text) changed.push(file);
    out.set(file, next);
  }
  if (!out.has('release-metadata')) out.set('release-metadata', rewriteReleaseMetadata(undefined, name));
  return { files: out, changed: changed.sort(), unreferenced: replacements.filter((r) => !used.has(r.name)).map((r) => r.name) };
}

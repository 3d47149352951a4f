import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { OkdError } from '../errors';
import { parseImageReferences } from '../release/imageReferences';
import type { Release } from '../release/model';
import { isSemver, replacePullspec } from '../release/new/rewrite';
import { formatRef, type KubeObject, parseManifestObjects, refOf } from './objects';

/** What rendering needs of the release: its version and its components' pullspecs and versions. */
export type RenderRelease = Pick<Release, 'version' | 'components' | 'componentVersions'>;

export interface RenderOptions {
  /** The payload component (tag) the checkout's manifests belong to; default: found from image-references. */
  component?: string;
  /** The cluster profile whose `include.release.openshift.io/<profile>` manifests count (default self-managed-high-availability). */
  profile?: string;
}

export interface RenderedObject {
  /** The file's name in release-manifests/ (`0000_50_<component>_<file>` for a file without a `0000_` prefix). */
  file: string;
  /** The file's name in the checkout's manifests/. */
  source: string;
  /** 0-based position of the object in its file. */
  index: number;
  object: KubeObject;
}

export interface ExcludedObject {
  file: string;
  object: string;
  reason: string;
}

export interface RenderedManifests {
  component: string;
  version: string;
  /** Objects the CVO would apply, in the CVO's order (by file name, then position in the file). */
  objects: RenderedObject[];
  /** Objects the CVO would not apply (another profile, `release.openshift.io/delete`). */
  excluded: ExcludedObject[];
  /** Placeholder pullspec -> the payload's pullspec, for every image-references tag the release has. */
  images: Record<string, string>;
  warnings: string[];
}

export const DEFAULT_PROFILE = 'self-managed-high-availability';
const INCLUDE_PREFIX = 'include.release.openshift.io/';
export const DELETE_ANNOTATION = 'release.openshift.io/delete';
const MANIFEST_EXT_RE = /\.(?:ya?ml|json)$/;
const IMAGE_REFERENCES = 'image-references';

/** The name `oc adm release new` gives an operator's manifest in release-manifests/. */
export function releaseFileName(component: string, file: string): string {
  return file.startsWith('0000_') ? file : `0000_50_${component}_${file}`;
}

// oc's NewComponentVersionsMapper: `0.0.1-snapshot` is the release version, `0.0.1-snapshot-<name>` the version
// the payload's images report for <name> (io.openshift.build.versions).
const SNAPSHOT_RE = /(\W|^)0\.0\.1-snapshot(?:-([a-z0-9-]+)|(\W)|$)/g;

/**
 * Replaces `0.0.1-snapshot` with the release version (without semver build metadata; left alone when the version
 * is not a semantic version, as oc does) and `0.0.1-snapshot-<name>` with the component version <name>. An unknown
 * `<name>` is an error, as in oc.
 */
export function replaceSnapshotVersions(text: string, version: string, componentVersions: Record<string, { version: string }>, where = 'manifest'): string {
  const release = isSemver(version) ? version.replace(/\+.*$/, '') : '';
  const missing: string[] = [];
  const out = text.replace(SNAPSHOT_RE, (whole, prefix: string, name: string | undefined, suffix: string | undefined) => {
    if (!name && suffix !== '-') return release ? `${prefix}${release}${suffix ?? ''}` : whole;
    const known = name ? componentVersions[name] : undefined;
    if (!known) {
      missing.push(name ?? '');
      return whole;
    }
    return `${prefix}${known.version}`;
  });
  if (missing.length) {
    throw new OkdError(
      'invalid-input',
      `${where} references unknown version${missing.length > 1 ? 's' : ''} ${missing.map((m) => `0.0.1-snapshot-${m}`).join(', ')}`,
      'the release reports these component versions: ' + (Object.keys(componentVersions).join(', ') || 'none'),
    );
  }
  return out;
}

/** The image-references tag whose placeholder a workload of the manifests runs as its container image: the operator. */
function operatorTag(files: Map<string, string>, placeholders: { name: string; pullSpec: string }[]): string[] {
  const found = new Set<string>();
  for (const [file, text] of files) {
    if (!MANIFEST_EXT_RE.test(file)) continue;
    for (const p of placeholders) {
      const quoted = p.pullSpec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`"?image"?\\s*:\\s*["']?${quoted}["']?\\s*(?:,|$)`, 'm').test(text)) found.add(p.name);
    }
  }
  return [...found];
}

function isIncluded(obj: KubeObject, profile: string, anyInclude: boolean): boolean {
  if (!anyInclude) return true;
  return obj.metadata.annotations?.[`${INCLUDE_PREFIX}${profile}`] === 'true';
}

/**
 * Renders an operator's `manifests/` (name -> text, as in the checkout) the way `oc adm release new` puts them into
 * a payload: the placeholder pullspecs of its `image-references` become the payload's pullspecs of the tags of the
 * same name, `0.0.1-snapshot` the release version, and file names get the `0000_50_<component>_` prefix. Then
 * parses the objects and drops those the CVO would not apply for `profile`. Pure.
 */
export function renderManifestFiles(files: Map<string, string>, release: RenderRelease, options: RenderOptions & { dirName?: string } = {}): RenderedManifests {
  const refsText = files.get(IMAGE_REFERENCES);
  const placeholders = refsText === undefined ? [] : parseImageReferences(refsText, 'manifests/image-references').components.map((c) => ({ name: c.name, pullSpec: c.pullSpec }));
  const warnings: string[] = [];
  if (refsText === undefined) warnings.push('manifests/ has no image-references: no placeholder pullspecs are replaced');
  const byName = new Map(release.components.map((c) => [c.name, c.pullSpec]));

  let component = options.component;
  if (!component) {
    const candidates = operatorTag(files, placeholders);
    if (candidates.length === 1) component = candidates[0];
    else if (options.dirName && byName.has(options.dirName)) component = options.dirName;
    else {
      throw new OkdError(
        'invalid-input',
        candidates.length
          ? `the manifests run ${candidates.length} images of image-references as containers (${candidates.join(', ')}): which component is this checkout?`
          : 'no workload of the manifests runs an image of manifests/image-references: which component is this checkout?',
        'name it with --component (a tag of the payload, e.g. cluster-image-registry-operator)',
      );
    }
  }
  if (!byName.has(component)) warnings.push(`the release ${release.version} has no component ${component}`);

  const images: Record<string, string> = {};
  for (const p of placeholders) {
    const target = byName.get(p.name);
    if (target) images[p.pullSpec] = target;
    else warnings.push(`image-references tag ${p.name} (${p.pullSpec}) is not in release ${release.version}; its placeholder is left as it is`);
  }

  const parsed: { file: string; source: string; objects: KubeObject[] }[] = [];
  for (const source of [...files.keys()].sort()) {
    if (source === IMAGE_REFERENCES || !MANIFEST_EXT_RE.test(source)) continue;
    let text = files.get(source) as string;
    for (const [from, to] of Object.entries(images)) text = replacePullspec(text, from, to).text;
    text = replaceSnapshotVersions(text, release.version, release.componentVersions, `manifests/${source}`);
    let objects: KubeObject[];
    try {
      objects = parseManifestObjects(source, text);
    } catch (err) {
      throw new OkdError('invalid-input', `manifests/${source} cannot be read: ${((err as Error).message.split('\n')[0] ?? '').trim()}`, 'fix the file; the CVO would refuse the payload too', { cause: err });
    }
    parsed.push({ file: releaseFileName(component, source), source, objects });
  }
  // The CVO's order: by file name in release-manifests/, then by position in the file.
  parsed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  const profile = options.profile ?? DEFAULT_PROFILE;
  const anyInclude = parsed.some((p) => p.objects.some((o) => Object.keys(o.metadata.annotations ?? {}).some((k) => k.startsWith(INCLUDE_PREFIX))));
  const objects: RenderedObject[] = [];
  const excluded: ExcludedObject[] = [];
  for (const p of parsed) {
    p.objects.forEach((object, index) => {
      const name = formatRef(refOf(object));
      if (!isIncluded(object, profile, anyInclude)) excluded.push({ file: p.file, object: name, reason: `not included in profile ${profile}` });
      else if (object.metadata.annotations?.[DELETE_ANNOTATION] === 'true') excluded.push({ file: p.file, object: name, reason: `${DELETE_ANNOTATION}: the CVO deletes it` });
      else objects.push({ file: p.file, source: p.source, index, object });
    });
  }
  return { component, version: release.version, objects, excluded, images, warnings };
}

/** Reads `<checkoutDir>/manifests/` (top-level files, as oc copies them) and renders it (see renderManifestFiles). */
export async function render(checkoutDir: string, release: RenderRelease, options: RenderOptions = {}): Promise<RenderedManifests> {
  const dir = path.join(checkoutDir, 'manifests');
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OkdError('not-found', `${checkoutDir} has no manifests/ folder`, 'run this in an operator checkout (its manifests/ holds the objects the payload ships)');
    }
    throw err;
  }
  const files = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || (entry.name !== IMAGE_REFERENCES && !MANIFEST_EXT_RE.test(entry.name))) continue;
    files.set(entry.name, await fs.readFile(path.join(dir, entry.name), 'utf8'));
  }
  return renderManifestFiles(files, release, { ...options, dirName: path.basename(path.resolve(checkoutDir)) });
}

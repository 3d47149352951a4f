// Pure helpers of the custom release commands (no vscode import, so unit tests run them under node --test).
import { OkdError } from '../../core/errors';
import { formatPullspec, parsePullspec } from '../../core/pullspec';
import type { ReleaseDiff } from '../../core/release/diff';
import type { Release } from '../../core/release/model';
import { ANNOTATION_FROM_RELEASE, defaultReleaseName, tagForName } from '../../core/release/new/rewrite';

/** A tag the inner loop pushed: `<component>-<commit7|nocommit>[-dirty]-<yyyymmddhhmmss>` (devTag in core/devloop). */
export interface DevTag {
  tag: string;
  component: string;
  commit: string;
  dirty: boolean;
  /** yyyymmddhhmmss, UTC. */
  stamp: string;
}

const DEV_TAG_RE = /^(.+)-([0-9a-f]{7}|nocommit)(-dirty)?-(\d{14})$/;

export function parseDevTag(tag: string): DevTag | undefined {
  const m = DEV_TAG_RE.exec(tag);
  if (!m) return undefined;
  return { tag, component: m[1] as string, commit: m[2] === 'nocommit' ? '' : (m[2] as string), dirty: m[3] !== undefined, stamp: m[4] as string };
}

export interface DevImageChoice {
  pullSpec: string;
  tag: string;
  /** Built from this component's repository (the tag names it). */
  matches: boolean;
  dev?: DevTag;
}

/**
 * The dev repository's images to offer for `component`: its own inner-loop builds newest first, then other
 * inner-loop builds newest first, then tags of another shape (newest-looking first, by name).
 */
export function devImageChoices(devRepository: string, tags: readonly string[], component: string): DevImageChoice[] {
  const repo = devRepositoryRef(devRepository);
  const parsed = tags.map((tag) => ({ tag, dev: parseDevTag(tag) }));
  const byStamp = (a: { dev?: DevTag; tag: string }, b: { dev?: DevTag; tag: string }) =>
    (b.dev?.stamp ?? '').localeCompare(a.dev?.stamp ?? '') || b.tag.localeCompare(a.tag);
  const mine = parsed.filter((p) => p.dev?.component === component).sort(byStamp);
  const others = parsed.filter((p) => p.dev && p.dev.component !== component).sort(byStamp);
  const rest = parsed.filter((p) => !p.dev).sort(byStamp);
  return [...mine, ...others, ...rest].map((p) => ({
    pullSpec: `${repo}:${p.tag}`,
    tag: p.tag,
    matches: p.dev?.component === component,
    ...(p.dev ? { dev: p.dev } : {}),
  }));
}

/** `registry/repository` of okd.devRepository (no tag or digest allowed, as the dev loop requires). */
export function devRepositoryRef(text: string): string {
  const ref = parsePullspec(text.trim());
  if (ref.tag || ref.digest) throw new OkdError('invalid-input', `okd.devRepository ${text} has a tag or digest`, `set it to the repository only: ${ref.registry}/${ref.repository}`);
  return `${ref.registry}/${ref.repository}`;
}

/** A pullspec typed by the user, normalised; undefined when it is fine, else why not (for validateInput). */
export function pullspecProblem(text: string): string | undefined {
  if (!text.trim()) return 'type an image pullspec, e.g. quay.io/me/cluster-image-registry-operator:dev';
  try {
    parsePullspec(text.trim());
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Where a custom release goes by default: `<devRepository or the source repository>:<version>-custom-<stamp>`. */
export function defaultCustomTarget(source: string, version: string, devRepository: string, now: Date): string {
  const repo = devRepository.trim() ? devRepositoryRef(devRepository) : (() => {
    const ref = parsePullspec(source);
    return `${ref.registry}/${ref.repository}`;
  })();
  return `${repo}:${tagForName(defaultReleaseName(version, now))}`;
}

/** A target repository[:tag] the user typed; undefined when fine, else why not. A digest cannot be a target. */
export function targetProblem(text: string): string | undefined {
  const problem = pullspecProblem(text);
  if (problem) return problem;
  if (parsePullspec(text.trim()).digest) return 'a target is a repository or repository:tag; the digest is known only after the push';
  return undefined;
}

export interface CreateArgs {
  release: string;
  replacements: { name: string; image: string }[];
  to: string;
  name?: string;
  force?: boolean;
  /** Build these operator checkouts into the payload instead (`release build`); replacements are then empty. */
  dirs?: string[];
  /** Extra environment of the checkouts' build command (GOCACHE, GOFLAGS...). */
  env?: Record<string, string>;
}

/**
 * The `{release, replacements: {name: image}, to, name?}` argument tests pass to skip the pickers, or
 * `{release, dirs: [checkout...], to, env?}` to build checkouts into the payload.
 */
export function parseCreateArgs(arg: unknown): CreateArgs | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as { release?: unknown; replacements?: unknown; to?: unknown; name?: unknown; force?: unknown; dirs?: unknown; env?: unknown };
  if (typeof a.release === 'string' && typeof a.to === 'string' && Array.isArray(a.dirs)) {
    const dirs = a.dirs.filter((d): d is string => typeof d === 'string' && d !== '');
    if (!dirs.length) throw new OkdError('invalid-input', 'Build Custom Release from checkouts needs at least one folder');
    const env = typeof a.env === 'object' && a.env !== null ? Object.fromEntries(Object.entries(a.env).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;
    return {
      release: a.release,
      replacements: [],
      to: a.to,
      dirs,
      ...(env ? { env } : {}),
      ...(typeof a.name === 'string' && a.name ? { name: a.name } : {}),
      ...(a.force === true ? { force: true } : {}),
    };
  }
  if (typeof a.release !== 'string' || typeof a.replacements !== 'object' || a.replacements === null || typeof a.to !== 'string') return undefined;
  const replacements = Object.entries(a.replacements as Record<string, unknown>).map(([name, image]) => {
    if (typeof image !== 'string' || pullspecProblem(image)) throw new OkdError('invalid-input', `replacement ${name}: "${String(image)}" is not an image pullspec`);
    return { name, image: image.trim() };
  });
  if (!replacements.length) throw new OkdError('invalid-input', 'Create Custom Release needs at least one replacement {component: image}');
  return {
    release: a.release,
    replacements,
    to: a.to,
    ...(typeof a.name === 'string' && a.name ? { name: a.name } : {}),
    ...(a.force === true ? { force: true } : {}),
  };
}

/** The source a custom release was built from (`release.openshift.io/from-release`), if any. */
export function sourceReleaseOf(release: Release): string | undefined {
  const value = release.imageStreamAnnotations[ANNOTATION_FROM_RELEASE]?.trim();
  if (!value) return undefined;
  try {
    return formatPullspec(parsePullspec(value));
  } catch {
    return undefined;
  }
}

/** The replaced images, for the head of the comparison: every entry marked override, and anything else that moved. */
export interface ReplacedImageRow {
  name: string;
  from: string;
  to: string;
  override: boolean;
}

export function replacedImages(diff: ReleaseDiff): ReplacedImageRow[] {
  const rows: ReplacedImageRow[] = [
    ...diff.changed.map((c) => ({ name: c.name, from: c.from, to: c.to, override: c.override === true })),
    ...diff.rebuilt.map((c) => ({ name: c.name, from: c.from, to: c.to, override: c.override === true })),
    ...diff.added.map((c) => ({ name: c.name, from: '', to: c.pullSpec, override: c.override === true })),
  ];
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The comparison document: which images the custom release replaced (each marked `override` when the payload
 * says so), then the `release info FROM TO` text.
 */
export function renderSourceComparison(source: string, custom: string, diff: ReleaseDiff, diffText: string): string {
  const rows = replacedImages(diff);
  const lines = [`Custom release ${diff.toVersion} (${custom})`, `built from ${diff.fromVersion} (${source})`, ''];
  if (!rows.length) lines.push('Replaced images: none (the payloads name the same images)');
  else {
    lines.push(`Replaced images: ${rows.length}`);
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) {
      lines.push(`  ${r.name.padEnd(width)}  ${r.override ? '[override]' : '[not marked override]'}`);
      lines.push(`  ${''.padEnd(width)}  from ${r.from || '(not in the source)'}`);
      lines.push(`  ${''.padEnd(width)}  to   ${r.to}`);
    }
  }
  if (diff.removed.length) lines.push('', `Removed from the source: ${diff.removed.map((r) => r.name).join(', ')}`);
  lines.push('', '----', '');
  return `${lines.join('\n')}\n${diffText}`;
}

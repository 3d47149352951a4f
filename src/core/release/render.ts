import { digestPullspec, tryParsePullspec } from '../pullspec';
import { commitUrl } from './imageReferences';
import { ReleaseDiff, releaseDigest } from './diff';
import { Component, Release } from './model';

export type ImagesView = 'digests' | 'pullspecs' | 'commits' | 'commit-urls' | 'operators';

export interface RenderInfoOptions {
  /** What the Images section shows: NAME DIGEST (default), --pullspecs, --commits, --commit-urls, --operators. */
  view?: ImagesView;
  /** A ready Images section in place of the view's (`--size`'s table, see size.ts). */
  imagesSection?: string;
}

/**
 * Go's text/tabwriter as oc uses it (minwidth 0, padding `padding`, pad with spaces): cells end at '\t', the last
 * cell of a line is not aligned, and a column is aligned over a block of consecutive lines that have that cell.
 * Trailing spaces are removed from each line.
 */
export function tabwrite(text: string, padding = 1): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i] as string[];
      let s = '';
      for (let j = 0; j < cells.length; j++) {
        const cell = cells[j] as string;
        s += j < cells.length - 1 && j < widths.length ? cell.padEnd(widths[j] as number) : cell;
      }
      out.push(s.trimEnd());
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= (lines[row] as string[]).length - 1) continue;
      writeLines(line0, row);
      line0 = row;
      let width = 0;
      for (; row < line1; row++) {
        const cells = lines[row] as string[];
        if (column >= cells.length - 1) break;
        width = Math.max(width, (cells[column] as string).length + padding);
      }
      widths.push(width);
      format(line0, row);
      widths.pop();
      line0 = row;
      row--; // the for loop's row++ re-examines `row`
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}

/** RFC 3339 in UTC, truncated to seconds, as oc prints `Created:`. */
export function formatCreated(created: string): string {
  const t = Date.parse(created);
  return Number.isNaN(t) ? created : new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `linux/amd64`, or `multi (linux/amd64, linux/arm64)` for a manifest list. */
export function formatPlatform(release: Release): string {
  if (release.platforms && release.platforms.length > 0) return `multi (${release.platforms.join(', ')})`;
  return `${release.os}/${release.architecture}`;
}

/** `repo@digest` the release can be pulled by (list digest for multi-arch). */
export function pullFrom(release: Release): string {
  const digest = releaseDigest(release);
  const p = tryParsePullspec(release.pullSpec);
  if (p) return digestPullspec(p, digest);
  const bare = release.pullSpec.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  return `${bare}@${digest}`;
}

/**
 * The warning for a release read offline (a tag's last read, see ReadReleaseOptions.allowOffline), or undefined for
 * a release read from its registry. Every view that shows such a release says this.
 */
export function offlineWarning(release: Release): string | undefined {
  const o = release.offline;
  if (!o) return undefined;
  return `${o.reason}; showing ${releaseDigest(release)}, which ${release.pullSpec} named when it was last read (${o.resolvedAt}): the tag may have moved since`;
}

/** Text like `oc adm release info`. */
export function renderReleaseInfo(release: Release, options: RenderInfoOptions = {}): string {
  const view = options.view ?? 'digests';
  let text = '';
  text += `Name:\t${release.version}\n`;
  text += `Digest:\t${releaseDigest(release)}\n`;
  text += `Created:\t${formatCreated(release.created)}\n`;
  text += `OS/Arch:\t${formatPlatform(release)}\n`;
  text += `Manifests:\t${release.manifests.length}\n`;
  if (release.metadataFiles.length > 0) text += `Metadata files:\t${release.metadataFiles.length}\n`;
  text += `\nPull From:\t${pullFrom(release)}\n`;

  const m = release.metadata;
  if (m) {
    text += '\nRelease Metadata:\n';
    text += `  Version:\t${m.version}\n`;
    text += `  Upgrades:\t${m.previous.length > 0 ? sortSemanticVersions(m.previous).join(', ') : '<none>'}\n`;
    const keys = Object.keys(m.metadata)
      .filter((k) => !isEmptyValue(m.metadata[k]))
      .sort();
    let section = '  Metadata:\n';
    for (const k of keys) section += `    ${k}:\t${formatValue(m.metadata[k])}\n`;
    text += tabwrite(section.slice(0, -1)) + '\n';
  }

  const versionKeys = orderedVersionKeys(Object.keys(release.componentVersions));
  if (versionKeys.length > 0) {
    text += '\nComponent Versions:\n';
    for (const key of versionKeys) {
      const v = release.componentVersions[key];
      text += `  ${key}\t${v?.version ?? ''}\t${v?.displayName ?? ''}\n`;
    }
  }

  text += '\n' + tabwrite(options.imagesSection ?? (view === 'operators' ? operatorsSection(release) : imagesSection(release, view))) + '\n';
  if (release.warnings.length > 0) {
    text += '\nWarnings:\n' + release.warnings.map((w) => `* ${w}`).join('\n') + '\n';
  }
  return tabwrite(text);
}

function imagesSection(release: Release, view: ImagesView): string {
  let s = 'Images:\n';
  switch (view) {
    case 'pullspecs':
      s += '  NAME\tPULL SPEC\n';
      for (const c of release.components) s += `  ${c.name}\t${c.pullSpec}\n`;
      break;
    case 'commits':
      s += '  NAME\tREPO\tCOMMIT\n';
      for (const c of release.components) s += `  ${c.name}\t${c.source}\t${c.commit}\n`;
      break;
    case 'commit-urls':
      s += '  NAME\tURL\n';
      for (const c of release.components) s += `  ${c.name}\t${componentUrl(c)}\n`;
      break;
    default:
      s += '  NAME\tDIGEST\n';
      for (const c of release.components) s += `  ${c.name}\t${c.digest || c.pullSpec}\n`;
  }
  return s.slice(0, -1);
}

function componentUrl(c: Component): string {
  return c.commitUrl ?? `${c.source} ${c.commit}`.trim();
}

function operatorsSection(release: Release): string {
  const components = new Map(release.components.map((c) => [c.name, c] as const));
  let s = 'Operators:\n';
  for (const op of release.operators) {
    s += `  ${op.name} (runlevel ${op.runlevels.join(', ')})\n`;
    s += `    Namespaces:\t${op.namespaces.join(', ') || '<none>'}\n`;
    s += `    Cluster Operators:\t${op.clusterOperators.join(', ') || '<none>'}\n`;
    s += `    Manifests:\t${op.manifests.length}\n`;
    s += `    Images:\t${op.images.join(', ') || '<none>'}\n`;
    for (const d of op.deployments) {
      s += `    ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}\n`;
      for (const c of d.containers) {
        const target = c.component ? `${c.component} (${components.get(c.component)?.pullSpec ?? c.image})` : `${c.image} (not a payload image)`;
        s += `      ${c.init ? 'init container' : 'container'} ${c.name}:\t${target}\n`;
        for (const r of c.references) if (r.field.startsWith('env:')) s += `        env ${r.field.slice(4)} -> ${r.component}\n`;
      }
    }
  }
  if (release.operators.length === 0) s += '  <none>\n';
  return s.slice(0, -1);
}

/** oc orders Component Versions with kubernetes and machine-os first, then by name (byte order, as Go sorts). */
export function orderedVersionKeys(keys: string[]): string[] {
  const rank = (k: string) => (k === 'kubernetes' ? 0 : k === 'machine-os' ? 1 : 2);
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const SEMVER_RE = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Sorts semantic versions ascending; when any is not a semantic version the list is returned as is (like oc). */
export function sortSemanticVersions(versions: string[]): string[] {
  const parsed = versions.map((v) => ({ v, m: SEMVER_RE.exec(v) }));
  if (parsed.some((p) => !p.m)) return [...versions];
  return parsed.sort((a, b) => compareSemver(a.m as RegExpExecArray, b.m as RegExpExecArray)).map((p) => p.v);
}

function compareSemver(a: RegExpExecArray, b: RegExpExecArray): number {
  for (let i = 1; i <= 3; i++) {
    const d = Number(a[i]) - Number(b[i]);
    if (d !== 0) return d;
  }
  const pa = a[4];
  const pb = b[4];
  if (pa === undefined || pb === undefined) return pa === pb ? 0 : pa === undefined ? 1 : -1;
  const xa = pa.split('.');
  const xb = pb.split('.');
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const ia = xa[i];
    const ib = xb[i];
    if (ia === undefined) return -1;
    if (ib === undefined) return 1;
    const na = /^\d+$/.test(ia);
    const nb = /^\d+$/.test(ib);
    if (na && nb) {
      const d = Number(ia) - Number(ib);
      if (d !== 0) return d;
    } else if (na !== nb) {
      return na ? -1 : 1;
    } else if (ia !== ib) {
      return ia < ib ? -1 : 1;
    }
  }
  return 0;
}

export interface ReleaseInfoJson {
  name: string;
  version: string;
  pullSpec: string;
  digest: string;
  listDigest?: string;
  created: string;
  os: string;
  arch: string;
  platforms?: string[];
  manifests: number;
  metadata?: { version: string; previous: string[]; next: string[]; metadata: Record<string, unknown> };
  componentVersions: Record<string, { version: string; displayName?: string }>;
  images: { name: string; pullSpec: string; digest: string; commit: string; ref: string; source: string; commitUrl?: string; override: boolean }[];
  operators: {
    name: string;
    runlevels: string[];
    namespaces: string[];
    deployments: { kind: string; namespace: string; name: string; containers: { name: string; image: string; component?: string; init?: boolean }[] }[];
    clusterOperators: string[];
    manifests: string[];
    images: string[];
  }[];
  labels: Record<string, string>;
  warnings: string[];
  /** Present when the registry could not be reached and a read by tag answered from the cache. */
  offline?: { resolvedAt: string; reason: string };
}

/** The `-o json` structure of `okd-dev release info`. Manifest contents are left out (counted only). */
export function toReleaseInfoJson(release: Release): ReleaseInfoJson {
  const json: ReleaseInfoJson = {
    name: release.name,
    version: release.version,
    pullSpec: release.pullSpec,
    digest: release.digest,
    created: formatCreated(release.created),
    os: release.os,
    arch: release.architecture,
    manifests: release.manifests.length,
    componentVersions: release.componentVersions,
    images: release.components.map((c) => {
      const image: ReleaseInfoJson['images'][number] = {
        name: c.name,
        pullSpec: c.pullSpec,
        digest: c.digest,
        commit: c.commit,
        ref: c.ref,
        source: c.source,
        override: c.override,
      };
      const url = c.commitUrl ?? commitUrl(c.source, c.commit);
      if (url) image.commitUrl = url;
      return image;
    }),
    operators: release.operators.map((op) => ({
      name: op.name,
      runlevels: op.runlevels,
      namespaces: op.namespaces,
      deployments: op.deployments.map((d) => ({
        kind: d.kind,
        namespace: d.namespace,
        name: d.name,
        containers: d.containers.map((c) => {
          const container: { name: string; image: string; component?: string; init?: boolean } = { name: c.name, image: c.image };
          if (c.component) container.component = c.component;
          if (c.init) container.init = true;
          return container;
        }),
      })),
      clusterOperators: op.clusterOperators,
      manifests: op.manifests,
      images: op.images,
    })),
    labels: release.labels,
    warnings: release.warnings,
  };
  if (release.listDigest) json.listDigest = release.listDigest;
  if (release.platforms) json.platforms = release.platforms;
  if (release.offline) json.offline = { ...release.offline };
  if (release.metadata) {
    const m = release.metadata;
    json.metadata = { version: m.version, previous: m.previous, next: m.next, metadata: m.metadata };
  }
  return json;
}

export interface RenderDiffOptions {
  /** Like `oc adm release info --commits FROM TO`: commit and compare links instead of digests. */
  commits?: boolean;
}

/** Text like `oc adm release info FROM TO`. Needs the releases for the header rows. */
export function renderReleaseDiff(from: Release, to: Release, diff: ReleaseDiff, options: RenderDiffOptions = {}): string {
  // A side read offline (a tag's last read, shown by the tree) is said first: the comparison may be out of date.
  const offline = [from, to].map(offlineWarning).filter((w) => w !== undefined).map((w) => `Offline: ${w}\n`).join('');
  return offline + (diff.identical ? 'Releases are identical\n' : renderDiffTable(from, to, diff, options));
}

function renderDiffTable(from: Release, to: Release, diff: ReleaseDiff, options: RenderDiffOptions): string {
  let text = '\tFROM\tTO\n';
  text += `Name:\t${from.version}\t${to.version}\n`;
  text += `Created:\t${formatCreated(from.created)}\t${formatCreated(to.created)}\n`;
  if (formatPlatform(from) !== formatPlatform(to)) text += `OS/Arch:\t${formatPlatform(from)}\t${formatPlatform(to)}\n`;
  text += `Digest:\t${releaseDigest(from)}\t${releaseDigest(to)}\n`;
  text += '\n';
  if (from.metadata && to.metadata) text += `Version:\t${from.metadata.version}\t${to.metadata.version}\n`;
  text += `Upgrade From:\t\t${diff.upgradeFrom ? 'Yes' : 'No'}\n`;
  let out = tabwrite(text.slice(0, -1), 2) + '\n';

  const fromByName = new Map(from.components.map((c) => [c.name, c] as const));
  const toByName = new Map(to.components.map((c) => [c.name, c] as const));
  const section = (title: string, rows: string[]) => {
    if (rows.length > 0) out += `\n${title}:\n` + tabwrite(rows.join('\n'), 2) + '\n';
  };

  const short = (pullSpec: string) => tryParsePullspec(pullSpec)?.digest ?? pullSpec;
  section(
    'Images Changed',
    diff.changed.map((c) =>
      options.commits
        ? `  ${c.name}\t${c.compareUrl ?? `${repoAndCommit(c.sourceFrom, c.commitFrom)} -> ${repoAndCommit(c.sourceTo, c.commitTo)}`}`
        : `  ${c.name}\t${short(c.from)}\t${short(c.to)}`,
    ),
  );
  section(
    'Images Rebuilt',
    diff.rebuilt.map((c) => {
      const comp = toByName.get(c.name) ?? fromByName.get(c.name);
      return options.commits && comp ? `  ${c.name}\t${repoAndCommit(comp.source, comp.commit)}` : `  ${c.name}\t${short(c.from)}\t${short(c.to)}`;
    }),
  );
  section(
    'Images Added',
    diff.added.map((c) => (options.commits ? `  ${c.name}\t${repoAndCommit(c.source, c.commit)}` : `  ${c.name}\t${short(c.pullSpec)}`)),
  );
  section('Images Removed', diff.removed.map((c) => `  ${c.name}`));

  const manifestRows = [
    ...diff.manifestsChanged.map((f) => `  changed\t${f}`),
    ...diff.manifestsAdded.map((f) => `  added\t${f}`),
    ...diff.manifestsRemoved.map((f) => `  removed\t${f}`),
  ];
  if (manifestRows.length > 0) {
    out += `\nManifests: ${diff.manifestsChanged.length} changed, ${diff.manifestsAdded.length} added, ${diff.manifestsRemoved.length} removed\n`;
    out += tabwrite(manifestRows.join('\n'), 2) + '\n';
  } else {
    out += '\nManifests: unchanged\n';
  }
  return out;
}

function repoAndCommit(source: string, commit: string): string {
  if (!source || !commit) return '<unknown>';
  return commitUrl(source, commit) ?? `${source} ${commit}`;
}

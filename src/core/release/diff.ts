import { compareUrl } from './imageReferences';
import { Component, Release } from './model';

export interface ChangedImage {
  name: string;
  /** Pullspecs in the old and the new release. */
  from: string;
  to: string;
  commitFrom: string;
  commitTo: string;
  /** `https://github.com/<org>/<repo>/compare/<old>...<new>` when both builds come from the same GitHub repo. */
  compareUrl?: string;
  sourceFrom: string;
  sourceTo: string;
  /** The TO release's component carries `io.openshift.release.override: "true"` (replaced by `release new`); present only then. */
  override?: boolean;
}

export interface RebuiltImage {
  name: string;
  from: string;
  to: string;
  commit: string;
  /** The TO release's component carries `io.openshift.release.override: "true"` (replaced by `release new`); present only then. */
  override?: boolean;
}

export interface AddedOrRemovedImage {
  name: string;
  pullSpec: string;
  commit: string;
  source: string;
  /** Added: the TO release's component carries `io.openshift.release.override: "true"` (replaced by `release new`); present only then. */
  override?: boolean;
}

export interface ReleaseDiff {
  /** Release pullspecs. */
  from: string;
  to: string;
  fromVersion: string;
  toVersion: string;
  /** Same payload digest: nothing else to compare. */
  identical: boolean;
  /** Components whose commit differs. */
  changed: ChangedImage[];
  /** Same commit (or no commit known) but a different image. */
  rebuilt: RebuiltImage[];
  added: AddedOrRemovedImage[];
  removed: AddedOrRemovedImage[];
  /** Manifests present in both whose bytes differ. */
  manifestsChanged: string[];
  manifestsAdded: string[];
  manifestsRemoved: string[];
  /** `from.version` is listed in `to`'s release-metadata `previous`. */
  upgradeFrom: boolean;
}

/** Compares two releases the way `oc adm release info FROM TO` does. Lists are sorted by name. */
export function diffReleases(from: Release, to: Release): ReleaseDiff {
  const fromByName = new Map(from.components.map((c) => [c.name, c] as const));
  const toByName = new Map(to.components.map((c) => [c.name, c] as const));
  const diff: ReleaseDiff = {
    from: from.pullSpec,
    to: to.pullSpec,
    fromVersion: from.version,
    toVersion: to.version,
    identical: releaseDigest(from) !== '' && releaseDigest(from) === releaseDigest(to),
    changed: [],
    rebuilt: [],
    added: [],
    removed: [],
    manifestsChanged: [],
    manifestsAdded: [],
    manifestsRemoved: [],
    upgradeFrom: !!to.metadata && to.metadata.previous.includes(from.version),
  };

  for (const name of [...toByName.keys()].sort()) {
    const newer = toByName.get(name) as Component;
    const older = fromByName.get(name);
    if (!older) {
      diff.added.push({ name, pullSpec: newer.pullSpec, commit: newer.commit, source: newer.source, ...overrideMark(newer) });
      continue;
    }
    if (sameImage(older, newer)) continue;
    if (codeChanged(older, newer)) {
      const change: ChangedImage = {
        name,
        from: older.pullSpec,
        to: newer.pullSpec,
        commitFrom: older.commit,
        commitTo: newer.commit,
        sourceFrom: older.source,
        sourceTo: newer.source,
        ...overrideMark(newer),
      };
      const url = sameSource(older.source, newer.source) ? compareUrl(newer.source, older.commit, newer.commit) : undefined;
      if (url) change.compareUrl = url;
      diff.changed.push(change);
    } else {
      diff.rebuilt.push({ name, from: older.pullSpec, to: newer.pullSpec, commit: newer.commit, ...overrideMark(newer) });
    }
  }
  for (const name of [...fromByName.keys()].sort()) {
    if (toByName.has(name)) continue;
    const older = fromByName.get(name) as Component;
    diff.removed.push({ name, pullSpec: older.pullSpec, commit: older.commit, source: older.source });
  }

  const fromManifests = new Map(from.manifests.map((m) => [m.file, m] as const));
  const toFiles = new Set<string>();
  for (const m of to.manifests) {
    toFiles.add(m.file);
    const old = fromManifests.get(m.file);
    if (!old) diff.manifestsAdded.push(m.file);
    else if (old.sha256 !== m.sha256) diff.manifestsChanged.push(m.file);
  }
  for (const m of from.manifests) if (!toFiles.has(m.file)) diff.manifestsRemoved.push(m.file);
  diff.manifestsChanged.sort();
  diff.manifestsAdded.sort();
  diff.manifestsRemoved.sort();
  return diff;
}

/** The digest users pull: the manifest list digest for multi-arch payloads. */
export function releaseDigest(release: Release): string {
  return release.listDigest || release.digest;
}

/** Only marked entries carry the field, so the JSON of an ordinary diff keeps oc's shape. */
function overrideMark(component: Component): { override?: true } {
  return component.override ? { override: true } : {};
}

function sameImage(a: Component, b: Component): boolean {
  if (a.digest && b.digest) return a.digest === b.digest;
  return a.pullSpec === b.pullSpec;
}

/** oc's rule: both commits known and different. */
function codeChanged(a: Component, b: Component): boolean {
  return a.commit !== '' && b.commit !== '' && a.commit !== b.commit;
}

function sameSource(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
  return norm(a) === norm(b);
}

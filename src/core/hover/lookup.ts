import { type Pullspec, pullspecKey, tryParsePullspec } from '../pullspec';
import type { ComponentHit } from '../release/library';
import type { ReleaseSummary } from '../release/summary';

/** What a hover needs of the release library: summaries (ReleaseLibrary fits; tests and benchmarks pass plain objects). */
export interface ReleaseIndex {
  findByDigest(digest: string): ComponentHit[];
  releases(): ReleaseSummary[];
}

export interface LookupResult {
  /** Components with this digest, newest release first. */
  components: ComponentHit[];
  /** Loaded releases whose payload is this pullspec (by digest, or by the very pullspec they were loaded from). */
  payloads: ReleaseSummary[];
  /** How many releases were searched. */
  searched: number;
}

/**
 * Everything the in-memory index knows about `pullspec`, using `digest` (its own, or its tag's resolved one).
 * Synchronous and allocation-light: this runs on every hover.
 */
export function lookupPullspec(index: ReleaseIndex, pullspec: Pullspec, digest: string | undefined): LookupResult {
  const releases = index.releases();
  const components = digest ? [...index.findByDigest(digest)].sort(newestFirst) : [];
  const payloads: ReleaseSummary[] = [];
  let key: string | undefined;
  for (const release of releases) {
    if (digest && (release.digest === digest || release.listDigest === digest)) {
      payloads.push(release);
    } else if (!digest && pullspec.tag) {
      // An unresolved tag still matches the release that was loaded by that very tag.
      key ??= pullspecKey(pullspec);
      const loadedAs = tryParsePullspec(release.pullSpec);
      if (loadedAs && pullspecKey(loadedAs) === key) payloads.push(release);
    }
  }
  payloads.sort(newestRelease);
  return { components, payloads, searched: releases.length };
}

function newestFirst(a: ComponentHit, b: ComponentHit): number {
  return newestRelease(a.release, b.release);
}

function newestRelease(a: ReleaseSummary, b: ReleaseSummary): number {
  if (a.created !== b.created) return a.created < b.created ? 1 : -1;
  return a.version < b.version ? 1 : a.version > b.version ? -1 : 0;
}

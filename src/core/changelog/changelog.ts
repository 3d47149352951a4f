import * as path from 'node:path';
import { type CancellationTokenLike, CancelledError } from '../cancel';
import { describeError } from '../errors';
import { type Logger, silentLogger } from '../log';
import type { ReleaseDiff } from '../release/diff';
import { githubRepoUrl } from '../release/imageReferences';
import { normalizeUrl, RepositoryClones } from './clones';
import { type ChangeCommit, mergeLog } from './mergeLog';

/** One range of one repository and the images built from it (oc lists a range once for all its images). */
export interface ComponentChangelog {
  /** The payload components built from this range, sorted. */
  images: string[];
  /** The TO images' `io.openshift.build.source-location`. */
  repository: string;
  fromCommit: string;
  toCommit: string;
  /** github.com only: the tree at TO and the compare page. */
  treeUrl?: string;
  compareUrl?: string;
  mode?: 'merges' | 'squash';
  commitCount?: number;
  changes: ChangeCommit[];
  /** Why this range could not be read (unreachable repository, commit gone); the others are still listed. */
  error?: string;
}

export interface Changelog {
  components: ComponentChangelog[];
  /** Clones made, and repositories fetched, to answer: 0 and 0 when every commit was cached. */
  cloned: number;
  fetched: number;
}

export interface ChangelogOptions {
  /** The cache dir; clones live under `<cacheDir>/git/`. */
  cacheDir: string;
  token?: CancellationTokenLike;
  logger?: Logger;
  /** Repositories worked on at once. */
  concurrency?: number;
  onProgress?: (message: string, done: number, total: number) => void;
}

/** Groups the changed components of a diff by repository and commit range, as oc does. */
export function changelogRanges(diff: ReleaseDiff): ComponentChangelog[] {
  const byRange = new Map<string, ComponentChangelog>();
  for (const change of diff.changed) {
    if (!change.sourceTo || !change.sourceFrom || !change.commitFrom || !change.commitTo) continue;
    const key = `${normalizeUrl(change.sourceTo)} ${change.commitFrom}..${change.commitTo}`;
    const range = byRange.get(key) ?? { images: [], repository: change.sourceTo, fromCommit: change.commitFrom, toCommit: change.commitTo, changes: [] };
    range.images.push(change.name);
    byRange.set(key, range);
  }
  const ranges = [...byRange.values()];
  for (const range of ranges) {
    range.images.sort();
    const repo = githubRepoUrl(range.repository);
    if (repo) {
      range.treeUrl = `${repo}/tree/${range.toCommit}`;
      range.compareUrl = `${repo}/compare/${range.fromCommit}...${range.toCommit}`;
    }
  }
  return ranges.sort((a, b) => ((a.images[0] ?? '') < (b.images[0] ?? '') ? -1 : 1));
}

/**
 * The merged pull requests and commits of every changed component, from cached blobless clones (cloned or fetched
 * only when a commit is missing). A repository that cannot be read gets an `error` and the others are listed.
 */
export async function readChangelog(diff: ReleaseDiff, options: ChangelogOptions): Promise<Changelog> {
  const logger = options.logger ?? silentLogger;
  const clones = new RepositoryClones(path.join(options.cacheDir, 'git'));
  const ranges = changelogRanges(diff);
  const sourceFrom = new Map(diff.changed.map((c) => [c.name, c.sourceFrom] as const));
  // One task a repository: its ranges share one clone, and its lock is taken once.
  const byRepo = new Map<string, ComponentChangelog[]>();
  for (const range of ranges) {
    const key = normalizeUrl(range.repository);
    byRepo.set(key, [...(byRepo.get(key) ?? []), range]);
  }
  const result: Changelog = { components: ranges, cloned: 0, fetched: 0 };
  const tasks = [...byRepo.values()];
  let done = 0;
  const work = async (repoRanges: ComponentChangelog[]) => {
    const first = repoRanges[0] as ComponentChangelog;
    const progress = (message: string) => options.onProgress?.(message, done, tasks.length);
    try {
      const alternate = repoRanges.flatMap((r) => r.images.map((i) => sourceFrom.get(i) ?? '')).find((s) => s && normalizeUrl(s) !== normalizeUrl(first.repository));
      const commits = repoRanges.flatMap((r) => [r.fromCommit, r.toCommit]);
      const clone = await clones.ensureCommits(first.repository, commits, { token: options.token, logger, onProgress: progress, ...(alternate ? { alternate } : {}) });
      if (clone.action === 'clone') result.cloned++;
      if (clone.action === 'fetch') result.fetched++;
      for (const range of repoRanges) {
        const log = await mergeLog(clone.gitDir, range.fromCommit, range.toCommit, { token: options.token, logger });
        range.mode = log.mode;
        range.commitCount = log.commitCount;
        range.changes = log.changes;
      }
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      logger.warn(`changelog of ${first.repository}: ${describeError(err)}`);
      for (const range of repoRanges) range.error = describeError(err);
    } finally {
      done++;
      progress(`read ${first.repository}`);
    }
  };
  const queue = [...tasks];
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await work(next);
  });
  await Promise.all(workers);
  if (options.token?.isCancellationRequested) throw new CancelledError('reading the changelog');
  return result;
}

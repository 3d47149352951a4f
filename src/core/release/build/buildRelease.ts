import type { BuildSettings } from '../../build/settings';
import { CancelledError, type CancellationTokenLike, throwIfCancelled } from '../../cancel';
import { MemoReleaseCache } from '../../devloop/memo';
import { OkdError } from '../../errors';
import { type Logger, silentLogger } from '../../log';
import { parsePullspec } from '../../pullspec';
import type { RegistryClient } from '../../registry/client';
import type { Platform } from '../../registry/types';
import type { ReleaseCache } from '../cache';
import { diffReleases, type ReleaseDiff } from '../diff';
import { createRelease, type NewReleaseResult } from '../new';
import { readRelease } from '../reader';
import { buildCheckouts, type CheckoutBuild, type CheckoutProgress } from './checkouts';
import { builtReleaseProblems } from './verify';

export interface ReleaseBuildOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  /** `--from-release`: the payload the checkouts are built on and replaced in. */
  from: string;
  /** Operator checkouts, one component each. */
  dirs: string[];
  /** `--to-image`: repository[:tag] of the new payload (as `release new`). */
  to: string;
  /** Where the component images go (default the repository of `to`). */
  componentsTo?: string;
  name?: string;
  force?: boolean;
  /** One platform of a multi-arch source: the component images for it, Go cross-compiled for it. */
  platform?: Platform;
  settings?: BuildSettings;
  jobs?: number;
  now?: () => Date;
  token?: CancellationTokenLike;
  logger?: Logger;
  /** The payload's steps (building, creating, reading back). */
  progress?: (message: string) => void;
  onCheckout?: (progress: CheckoutProgress) => void;
  onLine?: (dir: string, line: string) => void;
}

export interface ReleaseBuildResult {
  checkouts: CheckoutBuild[];
  release: NewReleaseResult;
  /** The new payload read back and compared with the source (`release diff OLD NEW`). */
  diff: ReleaseDiff;
  /** Bytes sent: the component images and the payload. */
  uploadedBytes: number;
  /** How to run it. */
  upgradeCommand: string;
}

/**
 * `okd-dev release build --from-release OLD --to-image NEW DIR...`: each checkout's component built (append path or
 * Dockerfile, several at once) and pushed, then one payload with `release new` semantics replacing all of them,
 * read back and checked: the diff against OLD must show exactly the built components, at the pushed images. A
 * failing checkout stops the others and no payload is pushed.
 */
export async function buildRelease(options: ReleaseBuildOptions): Promise<ReleaseBuildResult> {
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? (() => undefined);
  const token = options.token;
  if (!options.dirs.length) throw new OkdError('invalid-input', 'no checkout to build', 'name one or more operator checkouts (folders)');
  const target = parsePullspec(options.to);
  if (target.digest) throw new OkdError('invalid-input', `--to-image ${options.to} names a digest`, 'give a repository or repository:tag; the digest is known only after the push');
  const componentsTo = options.componentsTo ?? `${target.registry}/${target.repository}`;
  // A taken tag is refused before anything is built (release new checks it again before its push).
  if (target.tag && !options.force) await assertTagFree(options.registry, target.registry, target.repository, target.tag, token);
  // One memory of the source release for the builds, the payload and the read-back.
  const cache = new MemoReleaseCache(options.cache);
  const readOptions = { registry: options.registry, cache, ...(options.platform ? { platform: options.platform } : {}), ...(token ? { token } : {}), logger };

  progress(`building ${options.dirs.length} checkout${options.dirs.length === 1 ? '' : 's'} on ${options.from}...`);
  const checkouts = await buildCheckouts({
    dirs: options.dirs,
    client: options.registry,
    cache,
    release: options.from,
    ...(options.platform ? { platform: options.platform } : {}),
    to: componentsTo,
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(token ? { token } : {}),
    logger,
    ...(options.onCheckout ? { onProgress: options.onCheckout } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  throwIfCancelled(token, 'release build');

  const release = await createRelease({
    registry: options.registry,
    cache,
    from: options.from,
    replacements: checkouts.map((c) => ({ name: c.component, image: c.image })),
    to: options.to,
    ...(options.name !== undefined ? { name: options.name } : {}),
    force: options.force ?? false,
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.now ? { now: options.now() } : {}),
    ...(token ? { token } : {}),
    logger,
    progress,
  });

  progress(`reading ${release.tagPullSpec} back...`);
  const [oldRelease, newRelease] = await Promise.all([readRelease(options.from, readOptions), readRelease(release.pullSpec, readOptions)]).catch((err: unknown) => {
    if (!(err instanceof CancelledError)) throw err;
    // Stopped after the push: say so, rather than let it pass for a build that pushed nothing.
    throw new OkdError('failed', `release build stopped after it pushed ${release.tagPullSpec} (${release.pullSpec}), before reading it back`, `check it with \`okd-dev release diff ${options.from} ${release.pullSpec}\` before you use it`);
  });
  const diff = diffReleases(oldRelease, newRelease);
  const problems = builtReleaseProblems(diff, new Map(checkouts.map((c) => [c.component, c.image])), release.name);
  progress('');
  if (problems.length) {
    throw new OkdError(
      'integrity',
      `the pushed payload ${release.tagPullSpec} (${release.pullSpec}) does not hold what was built: ${problems.join('; ')}`,
      `do not upgrade to it; \`okd-dev release diff ${options.from} ${release.pullSpec}\` shows what differs`,
    );
  }
  const uploadedBytes = checkouts.reduce((sum, c) => sum + (c.uploadedBytes ?? 0), 0) + release.uploadedBytes;
  return { checkouts, release, diff, uploadedBytes, upgradeCommand: `okd-dev cluster upgrade --to-image ${release.pullSpec}` };
}

/** A manifest HEAD: 404 means the tag is free. */
async function assertTagFree(registry: RegistryClient, host: string, repository: string, tag: string, token?: CancellationTokenLike): Promise<void> {
  try {
    await registry.headManifest(host, repository, tag, token);
  } catch (err) {
    if (err instanceof OkdError && err.kind === 'not-found') return;
    throw err;
  }
  throw new OkdError('conflict', `${host}/${repository}:${tag} already exists`, 'pass --force to replace it, or choose another tag with --to-image');
}

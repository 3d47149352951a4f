import { type CancellationTokenLike, fromAbortSignal } from '../cancel';
import { describeError } from '../errors';
import { formatPullspec, type Pullspec } from '../pullspec';
import type { TagResolution } from './content';

export interface TagResolverOptions {
  /** Asks the registry for the digest the tag points to (a manifest GET/HEAD). */
  resolve: (pullspec: Pullspec, token: CancellationTokenLike) => Promise<string>;
  /** How long a resolved digest is trusted; tags move. Default 5 minutes. */
  ttlMs?: number;
  /** How long a failure is remembered before the next hover asks again. Default 30 s. */
  failureTtlMs?: number;
  /** Bound on one registry request, independent of the hover that started it. Default 15 s. */
  requestTimeoutMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  key: string;
  expires: number;
  result?: TagResolution;
  pending?: Promise<TagResolution>;
}

/**
 * Tag -> digest answers for hovers: one request per tag at a time, cached in memory with a TTL, and a hover waits
 * for at most its own time bound. A request outlives the hover that started it, so the next hover finds the answer.
 */
export class TagResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: TagResolverOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached answer for this tag, without starting a request. */
  cached(pullspec: Pullspec): TagResolution | undefined {
    const entry = this.entries.get(keyOf(pullspec));
    return entry?.result && entry.expires > this.now() ? entry.result : undefined;
  }

  /**
   * The digest of `pullspec`'s tag: from the cache, else from the registry within `waitMs` (and before `token` is
   * cancelled); when the registry is slower, `{state: 'pending'}` while the request goes on.
   */
  async resolve(pullspec: Pullspec, waitMs: number, token?: CancellationTokenLike): Promise<TagResolution> {
    const hit = this.cached(pullspec);
    if (hit) return hit;
    const pending = this.request(pullspec);
    let timer: NodeJS.Timeout | undefined;
    let subscription: { dispose(): void } | undefined;
    const bound = new Promise<TagResolution>((resolve) => {
      timer = setTimeout(() => resolve({ state: 'pending' }), waitMs);
      subscription = token?.onCancellationRequested(() => resolve({ state: 'pending' }));
    });
    try {
      return await Promise.race([pending, bound]);
    } finally {
      clearTimeout(timer);
      subscription?.dispose();
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private request(pullspec: Pullspec): Promise<TagResolution> {
    const key = keyOf(pullspec);
    const existing = this.entries.get(key);
    if (existing?.pending) return existing.pending;
    const entry: Entry = { key, expires: Number.POSITIVE_INFINITY };
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000);
    entry.pending = this.options.resolve(pullspec, fromAbortSignal(signal)).then(
      (digest): TagResolution => ({ state: 'resolved', digest }),
      (err: unknown): TagResolution => ({ state: 'failed', reason: signal.aborted ? 'the registry did not answer in time' : describeError(err) }),
    ).then((result) => {
      entry.pending = undefined;
      entry.result = result;
      entry.expires = this.now() + (result.state === 'resolved' ? (this.options.ttlMs ?? 300_000) : (this.options.failureTtlMs ?? 30_000));
      return result;
    });
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.evict();
    return entry.pending;
  }

  private evict(): void {
    const max = this.options.maxEntries ?? 256;
    for (const key of this.entries.keys()) {
      if (this.entries.size <= max) break;
      if (!this.entries.get(key)?.pending) this.entries.delete(key);
    }
  }
}

function keyOf(pullspec: Pullspec): string {
  return formatPullspec({ registry: pullspec.registry, repository: pullspec.repository, tag: pullspec.tag ?? 'latest' });
}

import { type CachedPayload, type ListedPayload, ReleaseCache, type TagMemo } from '../release/cache';
import type { Release } from '../release/model';
import type { ReleaseSummary } from '../release/summary';

/** Release models by cache folder, payload digest and view: a digest names the same payload forever. */
const models = new Map<string, Release>();
const MODELS_KEPT = 2;

function remember(key: string, release: Release): void {
  models.delete(key);
  models.set(key, release);
  while (models.size > MODELS_KEPT) models.delete(models.keys().next().value as string);
}

/**
 * The loop's release cache: the caller's (or none) with the release models kept in memory for the process. The
 * prepare stage and the patch step both read the cluster's release; the second read, and every later loop over
 * the same payload, parses nothing and touches no disk. Without a caller's cache, models stay in memory only.
 */
export class MemoReleaseCache extends ReleaseCache {
  constructor(private readonly inner: ReleaseCache | undefined) {
    super(inner?.dir ?? '');
  }

  private key(digest: string, view: string): string {
    return `${this.inner ? this.inner.dir : '-'}\n${ReleaseCache.key(digest, view)}`;
  }

  override async getRelease(digest: string, view: string): Promise<Release | undefined> {
    const key = this.key(digest, view);
    const known = models.get(key);
    if (known) {
      remember(key, known);
      return known;
    }
    const read = await this.inner?.getRelease(digest, view);
    if (read) remember(key, read);
    return read;
  }

  override async putRelease(digest: string, view: string, release: Release): Promise<void> {
    remember(this.key(digest, view), release);
    await this.inner?.putRelease(digest, view, release);
  }

  override get(digest: string, platform?: string): Promise<CachedPayload | undefined> {
    return this.inner ? this.inner.get(digest, platform) : Promise.resolve(undefined);
  }

  override async put(payload: CachedPayload, topLayer: Buffer, platform?: string): Promise<void> {
    await this.inner?.put(payload, topLayer, platform);
  }

  override async putTag(pullSpec: string, view: string, digest: string): Promise<void> {
    await this.inner?.putTag(pullSpec, view, digest);
  }

  override getTag(pullSpec: string, view: string): Promise<TagMemo | undefined> {
    return this.inner ? this.inner.getTag(pullSpec, view) : Promise.resolve(undefined);
  }

  override list(): Promise<CachedPayload[]> {
    return this.inner ? this.inner.list() : Promise.resolve([]);
  }

  override entries(): Promise<ListedPayload[]> {
    return this.inner ? this.inner.entries() : Promise.resolve([]);
  }

  override getSummary(key: string, digest: string): Promise<ReleaseSummary | undefined> {
    return this.inner ? this.inner.getSummary(key, digest) : Promise.resolve(undefined);
  }

  override async putSummary(key: string, digest: string, summary: ReleaseSummary): Promise<void> {
    await this.inner?.putSummary(key, digest, summary);
  }
}

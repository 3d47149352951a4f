import type { CancellationTokenLike } from '../cancel';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import { formatPlatform } from '../registry/types';
import type { CachedPayload, PayloadEntry, ReleaseCache } from './cache';
import { DEFAULT_MANIFEST_CACHE_BYTES, ManifestTexts } from './manifestTexts';
import type { Release } from './model';
import { readPayload, readRelease, releaseFromPayload } from './reader';
import { type ComponentSummary, type ReleaseSummary, summarizeRelease } from './summary';
import { describeError, OkdError } from '../errors';
import { digestPullspec, parsePullspec } from '../pullspec';

export interface ComponentHit {
  release: ReleaseSummary;
  component: ComponentSummary;
}

export interface ReleaseLibraryOptions {
  /** Called for each read, so settings changes (auth file, insecure hosts) apply to the next one. */
  registry: () => RegistryClient;
  cache: () => ReleaseCache;
  platform?: () => Platform | undefined;
  logger?: Logger;
  /** Bound of the manifest texts kept in memory, read at each use (default DEFAULT_MANIFEST_CACHE_BYTES). */
  manifestCacheBytes?: () => number;
}

/**
 * The releases the user has loaded, and a summary of each of them and of every release in the payload cache, shared
 * by the Release Explorer, hovers and commands. Reads are deduplicated per pullspec; a digest index over the
 * summaries answers "which release has this image" in O(1). Loaded releases keep no manifest texts: those are read
 * from the payload cache on demand and kept in a bounded LRU, so memory does not grow with the cache.
 */
export class ReleaseLibrary {
  private readonly loaded = new Map<string, Release>();
  private readonly loading = new Map<string, Promise<Release>>();
  /** Loaded and cached releases by pullspec, as the hover index knows them. */
  private readonly summaries = new Map<string, ReleaseSummary>();
  private readonly byDigest = new Map<string, ComponentHit[]>();
  private readonly listeners = new Set<(release: Release) => void>();
  private readonly texts = new ManifestTexts();
  /** Payload reads for manifest texts in flight, so that opening several manifests at once reads the payload once. */
  private readonly payloadReads = new Map<string, Promise<CachedPayload>>();
  private cacheScan: Promise<void> | undefined;

  constructor(private readonly options: ReleaseLibraryOptions) {}

  /**
   * Reads a release (from the cache when its digest was read before), once per pullspec at a time. `allowOffline`
   * (views that show `release.offline`, such as the tree) lets a tag read while its registry is down answer with
   * the tag's last read.
   */
  load(pullSpec: string, token?: CancellationTokenLike, options: { allowOffline?: boolean } = {}): Promise<Release> {
    const known = this.loaded.get(pullSpec);
    if (known) return Promise.resolve(known);
    let pending = this.loading.get(pullSpec);
    if (!pending) {
      pending = readRelease(pullSpec, {
        registry: this.options.registry(),
        cache: this.options.cache(),
        platform: this.options.platform?.(),
        token,
        logger: this.options.logger ?? silentLogger,
        allowOffline: options.allowOffline === true,
      }).then(
        (read) => {
          this.loading.delete(pullSpec);
          const release = withoutTexts(read);
          this.add(pullSpec, release);
          return release;
        },
        (err: unknown) => {
          this.loading.delete(pullSpec);
          throw err;
        },
      );
      this.loading.set(pullSpec, pending);
    }
    return pending;
  }

  /** Forgets a loaded release so the next load reads it again (the disk cache still answers by digest). */
  forget(pullSpec: string): void {
    if (!this.loaded.delete(pullSpec)) return;
    this.summaries.delete(pullSpec);
    this.rebuildIndex();
  }

  /** A loaded release (with operators and the manifest list); undefined for one only summarised from the cache. */
  get(pullSpec: string): Release | undefined {
    return this.loaded.get(pullSpec);
  }

  /** Every release known: loaded, or summarised from the payload cache once a hover scanned it. */
  releases(): ReleaseSummary[] {
    return [...new Set(this.summaries.values())];
  }

  onDidLoad(listener: (release: Release) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The text of one manifest of a release: from the bounded in-memory LRU, else read from the payload cache (the
   * registry only when the cache no longer has the payload) and kept in the LRU.
   */
  async manifestContent(release: Release, file: string, token?: CancellationTokenLike): Promise<string> {
    const manifest = release.manifests.find((m) => m.file === file);
    if (!manifest) throw new OkdError('not-found', `release ${release.version} has no manifest ${file}`);
    if (manifest.content !== undefined) return manifest.content;
    const platform = this.options.platform?.();
    const pullSpec = digestPullspecOf(release);
    this.texts.setLimit(this.options.manifestCacheBytes?.() ?? DEFAULT_MANIFEST_CACHE_BYTES);
    return this.texts.read(`${pullSpec}\n${platform ? formatPlatform(platform) : ''}\n${file}`, async () => {
      const payload = await this.readPayloadOnce(pullSpec, platform, token);
      const content = payload.files[file];
      if (content === undefined) throw new OkdError('not-found', `release ${release.version} has no manifest ${file}`);
      return content;
    });
  }

  private readPayloadOnce(pullSpec: string, platform: Platform | undefined, token: CancellationTokenLike | undefined): Promise<CachedPayload> {
    const key = `${pullSpec}\n${platform ? formatPlatform(platform) : ''}`;
    let pending = this.payloadReads.get(key);
    if (!pending) {
      pending = readPayload(pullSpec, {
        registry: this.options.registry(),
        cache: this.options.cache(),
        platform,
        token,
        logger: this.options.logger ?? silentLogger,
      }).finally(() => this.payloadReads.delete(key));
      this.payloadReads.set(key, pending);
    }
    return pending;
  }

  /** Every loaded or cached release that has an image with this digest, and as which component. */
  findByDigest(digest: string): ComponentHit[] {
    return this.byDigest.get(digest) ?? [];
  }

  /**
   * Adds every payload in the disk cache to the index, once (hovers call it lazily, never activate()). Each payload
   * is indexed from its small cached summary; one without (a cache written by an older okd-dev, or a summary of an
   * older shape) is summarised from its cached model, else from its payload, one at a time, and the summary kept.
   */
  scanCache(): Promise<void> {
    this.cacheScan ??= this.indexCache(this.options.cache());
    return this.cacheScan;
  }

  private async indexCache(cache: ReleaseCache): Promise<void> {
    for (const { key, entry } of await cache.entries()) {
      const digest = entry.listDigest ?? entry.digest;
      if ([...this.summaries.values()].some((r) => (r.listDigest ?? r.digest) === digest)) continue;
      try {
        const summary = (await cache.getSummary(key, digest)) ?? (await this.summarizeCached(cache, key, entry));
        if (summary) this.addSummary(entry.pullSpec, { ...summary, pullSpec: entry.pullSpec });
      } catch (err) {
        this.options.logger?.warn(`cache entry for ${entry.pullSpec} is unreadable: ${describeError(err)}`);
      }
    }
  }

  /** The summary of a cached payload from its model, else from its files; kept in the cache for the next scan. */
  private async summarizeCached(cache: ReleaseCache, key: string, entry: PayloadEntry): Promise<ReleaseSummary | undefined> {
    const digest = entry.listDigest ?? entry.digest;
    let model = await cache.getRelease(digest, `multi-${entry.os}/${entry.architecture}`);
    if (!model) {
      const payload = await cache.get(digest, key.includes('-') ? key.slice(key.indexOf('-') + 1) : undefined);
      if (!payload) return undefined;
      model = releaseFromPayload(payload);
    }
    const summary = summarizeRelease({ ...model, pullSpec: entry.pullSpec });
    try {
      await cache.putSummary(key, digest, summary);
    } catch (err) {
      this.options.logger?.warn(`release cache ${cache.dir} could not be written: ${describeError(err)}`);
    }
    return summary;
  }

  private add(pullSpec: string, release: Release): void {
    this.loaded.set(pullSpec, release);
    this.addSummary(pullSpec, summarizeRelease(release));
    for (const listener of this.listeners) listener(release);
  }

  private addSummary(pullSpec: string, summary: ReleaseSummary): void {
    const previous = this.summaries.get(pullSpec);
    this.summaries.set(pullSpec, summary);
    if (previous) this.rebuildIndex();
    else this.index(summary);
  }

  private index(release: ReleaseSummary): void {
    for (const component of release.components) {
      if (!component.digest) continue;
      const hits = this.byDigest.get(component.digest) ?? [];
      if (!hits.some((hit) => hit.release === release)) hits.push({ release, component });
      this.byDigest.set(component.digest, hits);
    }
  }

  private rebuildIndex(): void {
    this.byDigest.clear();
    for (const release of this.releases()) this.index(release);
  }
}

/** The release without its manifest texts (a fresh read holds megabytes of them); they are read on demand. */
function withoutTexts(release: Release): Release {
  if (release.manifests.every((m) => m.content === undefined)) return release;
  return { ...release, manifests: release.manifests.map(({ content: _content, ...manifest }) => manifest) };
}

/** The release's own pullspec by digest (`registry/repo@sha256:...`), for reads that must get the same payload. */
function digestPullspecOf(release: Release): string {
  return digestPullspec(parsePullspec(release.pullSpec), release.listDigest ?? release.digest);
}

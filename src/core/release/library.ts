import type { CancellationTokenLike } from '../cancel';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from './cache';
import type { Component, Release } from './model';
import { readPayload, readRelease, releaseFromPayload } from './reader';
import { OkdError } from '../errors';
import { digestPullspec, parsePullspec } from '../pullspec';

export interface ComponentHit {
  release: Release;
  component: Component;
}

export interface ReleaseLibraryOptions {
  /** Called for each read, so settings changes (auth file, insecure hosts) apply to the next one. */
  registry: () => RegistryClient;
  cache: () => ReleaseCache;
  platform?: () => Platform | undefined;
  logger?: Logger;
}

/**
 * The releases the user has loaded (or that are in the cache), shared by the Release Explorer, hovers and
 * commands. Reads are deduplicated per pullspec; a digest index answers "which release has this image" in O(1).
 */
export class ReleaseLibrary {
  private readonly loaded = new Map<string, Release>();
  private readonly loading = new Map<string, Promise<Release>>();
  private readonly byDigest = new Map<string, ComponentHit[]>();
  private readonly listeners = new Set<(release: Release) => void>();
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
        (release) => {
          this.loading.delete(pullSpec);
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
    const release = this.loaded.get(pullSpec);
    if (!release) return;
    this.loaded.delete(pullSpec);
    this.rebuildIndex();
  }

  get(pullSpec: string): Release | undefined {
    return this.loaded.get(pullSpec);
  }

  releases(): Release[] {
    return [...new Set(this.loaded.values())];
  }

  onDidLoad(listener: (release: Release) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The text of one manifest of a loaded release: kept in memory after a fresh read, else from the payload cache. */
  async manifestContent(release: Release, file: string, token?: CancellationTokenLike): Promise<string> {
    const manifest = release.manifests.find((m) => m.file === file);
    if (!manifest) throw new OkdError('not-found', `release ${release.version} has no manifest ${file}`);
    if (manifest.content !== undefined) return manifest.content;
    const payload = await readPayload(digestPullspecOf(release), {
      registry: this.options.registry(),
      cache: this.options.cache(),
      platform: this.options.platform?.(),
      token,
      logger: this.options.logger ?? silentLogger,
    });
    const content = payload.files[file];
    if (content === undefined) throw new OkdError('not-found', `release ${release.version} has no manifest ${file}`);
    return content;
  }

  /** Every loaded release that has an image with this digest, and as which component. */
  findByDigest(digest: string): ComponentHit[] {
    return this.byDigest.get(digest) ?? [];
  }

  /** Adds every payload in the disk cache to the index, once (hovers call it lazily, never activate()). */
  scanCache(): Promise<void> {
    this.cacheScan ??= this.options
      .cache()
      .list()
      .then((payloads) => {
        for (const payload of payloads) {
          if (![...this.loaded.values()].some((r) => r.digest === (payload.listDigest ?? payload.digest))) {
            try {
              this.add(payload.pullSpec, releaseFromPayload(payload));
            } catch (err) {
              this.options.logger?.warn(`cache entry for ${payload.pullSpec} is unreadable: ${(err as Error).message}`);
            }
          }
        }
      });
    return this.cacheScan;
  }

  private add(pullSpec: string, release: Release): void {
    this.loaded.set(pullSpec, release);
    this.index(release);
    for (const listener of this.listeners) listener(release);
  }

  private index(release: Release): void {
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

/** The release's own pullspec by digest (`registry/repo@sha256:...`), for reads that must get the same payload. */
function digestPullspecOf(release: Release): string {
  return digestPullspec(parsePullspec(release.pullSpec), release.listDigest ?? release.digest);
}

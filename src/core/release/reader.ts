import type { CancellationTokenLike } from '../cancel';
import { throwIfCancelled } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { formatPullspec, parsePullspec, type Pullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { ResolvedImage } from '../registry/manifests';
import { isCertificateError, isTlsProtocolError } from '../registry/retry';
import { formatPlatform, type ImageConfig, type Platform } from '../registry/types';
import { type CachedPayload, CACHE_SCHEMA, type ReleaseCache } from './cache';
import type { Release } from './model';
import { buildRelease } from './operators';
import { offlineWarning } from './render';
import { defaultLayerReadLimits, type LayerReadLimits, layerTooLarge, readReleaseManifests } from './tar';

export interface ReadReleaseOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  /** The platform to read from a multi-arch payload (default linux/amd64). */
  platform?: Platform;
  /** True when the user chose the platform (`--filter-by-os`): the release is then reported as that platform's. */
  platformChosen?: boolean;
  token?: CancellationTokenLike;
  logger?: Logger;
  limits?: LayerReadLimits;
  /**
   * When the registry cannot be reached (no connection; not a certificate, auth or not-found error), answer a read
   * by tag with the payload the tag named when it was last read, from the cache, marked `offline` with a warning.
   * Only for views that show the mark: `okd-dev release info` and the Release Explorer.
   */
  allowOffline?: boolean;
}

const defaultPlatform: Platform = { os: 'linux', architecture: 'amd64' };

/**
 * Reads a release payload the way `oc adm release info` does: the manifest, the config and only the top layer,
 * whose `release-manifests/` folder is kept. A payload read before (same digest) comes from the cache with no
 * blob request.
 */
export async function readRelease(pullspecText: string | Pullspec, options: ReadReleaseOptions): Promise<Release> {
  const ref = typeof pullspecText === 'string' ? parsePullspec(pullspecText) : pullspecText;
  const pullSpec = formatPullspec(ref);
  const platform = options.platform ?? defaultPlatform;
  const view = options.platformChosen ? formatPlatform(platform) : `multi-${formatPlatform(platform)}`;
  const cache = options.cache;
  // The model cache is keyed by the digest the pullspec names (a tag costs one manifest request to learn it).
  let image: ResolvedImage | undefined;
  let named: string | undefined;
  let cached: Release | undefined;
  if (!ref.digest && cache) {
    try {
      // A tag read before: a HEAD says which payload it names now (a list's own digest, as the cache keys lists),
      // and when the cache has that payload no manifest is fetched (Docker Hub counts GETs against its pull limit,
      // HEADs not). A tag never read is resolved with GETs straight away, as it needs the manifests anyway.
      if (await cache.getTag(pullSpec, view)) {
        named = await headDigest(ref, options);
        cached = await cachedRelease(named, pullSpec, view, cache, options);
      }
      if (!cached) image = await resolve(ref, platform, options);
    } catch (err) {
      const offline = options.allowOffline && isNoConnection(err) ? await lastReadOfTag(pullSpec, view, err, cache, options) : undefined;
      if (offline) return offline;
      throw err;
    }
  }
  const key = ref.digest ?? (image ? (image.listDigest ?? image.digest) : named);
  // Which payload the tag named, recorded once that payload is in the cache (a failed read records nothing).
  const remember = async (): Promise<void> => {
    if (cache && key && !ref.digest) await cacheWrite(() => cache.putTag(pullSpec, view, key), cache, options.logger);
  };
  // The model only: readPayload below looks for the payload (a digest the HEAD named was looked up whole already).
  if (key && cache && !cached && key !== named) cached = await cachedRelease(key, pullSpec, view, cache, options, false);
  if (cached) {
    await remember();
    return cached;
  }
  const payload = await readPayload(ref, options, image);
  const release = releaseFromPayload(payload, options);
  if (cache) await cacheWrite(() => cache.putRelease(payload.listDigest ?? payload.digest, view, release), cache, options.logger);
  await remember();
  return release;
}

/** The registry could not be reached at all: not a certificate or TLS problem, which the user must fix instead. */
function isNoConnection(err: unknown): err is OkdError {
  return err instanceof OkdError && err.kind === 'unreachable' && !isCertificateError(err.cause) && !isTlsProtocolError(err.cause);
}

/**
 * A read by tag while the registry cannot be reached: the payload the tag named when it was last read, from the
 * cache, marked `offline` and with a warning saying so. Undefined when the cache has no such read.
 */
async function lastReadOfTag(pullSpec: string, view: string, err: OkdError, cache: ReleaseCache, options: ReadReleaseOptions): Promise<Release | undefined> {
  const memo = await cache.getTag(pullSpec, view);
  if (!memo) return undefined;
  let release = await cache.getRelease(memo.digest, view);
  if (!release) {
    const payload = await cache.get(memo.digest, formatPlatform(options.platform ?? defaultPlatform));
    if (!payload) return undefined;
    release = releaseFromPayload({ ...payload, pullSpec }, options);
  }
  const offline: Release = { ...release, pullSpec, offline: { resolvedAt: memo.resolvedAt, reason: err.message } };
  const warning = offlineWarning(offline) as string;
  (options.logger ?? silentLogger).warn(`release ${pullSpec}: ${warning}`);
  return { ...offline, warnings: [warning, ...release.warnings] };
}

/** The digest a tag names now, by a manifest HEAD (a GET only when the registry's HEAD does not say). */
async function headDigest(ref: Pullspec, options: ReadReleaseOptions): Promise<string> {
  throwIfCancelled(options.token, `reading ${formatPullspec(ref)}`);
  const head = await options.registry.headManifest(ref.registry, ref.repository, ref.tag ?? 'latest', options.token);
  (options.logger ?? silentLogger).debug(`release ${formatPullspec(ref)}: names ${head.digest} (by ${head.via})`);
  return head.digest;
}

/**
 * The release filed under `digest` for `view`: the model, else (with `fromPayload`) built from the cached payload
 * and its model kept. Undefined when the cache has neither.
 */
async function cachedRelease(
  digest: string,
  pullSpec: string,
  view: string,
  cache: ReleaseCache,
  options: ReadReleaseOptions,
  fromPayload = true,
): Promise<Release | undefined> {
  const logger = options.logger ?? silentLogger;
  const model = await cache.getRelease(digest, view);
  if (model) {
    logger.debug(`release ${pullSpec}: model from cache`);
    return { ...model, pullSpec };
  }
  if (!fromPayload) return undefined;
  const payload = await cache.get(digest, formatPlatform(options.platform ?? defaultPlatform));
  if (!payload) return undefined;
  logger.debug(`release ${pullSpec}: ${digest} from cache`);
  const release = releaseFromPayload({ ...payload, pullSpec }, options);
  await cacheWrite(() => cache.putRelease(digest, view, release), cache, options.logger);
  return release;
}

function resolve(ref: Pullspec, platform: Platform, options: ReadReleaseOptions): Promise<ResolvedImage> {
  throwIfCancelled(options.token, `reading ${formatPullspec(ref)}`);
  return options.registry.resolveImage(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest', { platform }, options.token);
}

export function releaseFromPayload(payload: CachedPayload, options: Pick<ReadReleaseOptions, 'platformChosen'> = {}): Release {
  const multi = payload.listDigest !== undefined && !options.platformChosen;
  return buildRelease({
    pullSpec: payload.pullSpec,
    digest: multi ? (payload.listDigest as string) : payload.digest,
    listDigest: payload.listDigest,
    created: payload.created,
    os: multi ? 'multi' : payload.os,
    architecture: multi ? 'multi' : payload.architecture,
    platforms: payload.platforms,
    labels: payload.labels,
    files: new Map(Object.entries(payload.files)),
  });
}

export async function readPayload(pullspecText: string | Pullspec, options: ReadReleaseOptions, resolved?: ResolvedImage): Promise<CachedPayload> {
  const ref = typeof pullspecText === 'string' ? parsePullspec(pullspecText) : pullspecText;
  const logger = options.logger ?? silentLogger;
  const platform = options.platform ?? defaultPlatform;
  const platformKey = formatPlatform(platform);
  const pullSpec = formatPullspec(ref);

  if (ref.digest && options.cache) {
    const hit = await options.cache.get(ref.digest, platformKey);
    if (hit) {
      logger.debug(`release ${pullSpec}: from cache`);
      return { ...hit, pullSpec };
    }
  }
  const image = resolved ?? (await resolve(ref, platform, options));
  if (options.cache) {
    const hit = await options.cache.get(image.listDigest ?? image.digest, platformKey);
    if (hit) {
      logger.debug(`release ${pullSpec}: ${image.listDigest ?? image.digest} from cache`);
      return { ...hit, pullSpec };
    }
  }
  const layers = image.manifest.layers;
  const top = layers[layers.length - 1];
  if (!top) throw notAPayload(pullSpec, 'it has no layers');
  const limits = options.limits ?? defaultLayerReadLimits;
  const layerName = `${top.digest} of ${pullSpec}`;
  if (top.size > limits.maxLayerBytes) throw layerTooLarge(layerName, top.size, limits);
  logger.debug(`release ${pullSpec}: reading config and top layer ${top.digest} (${top.size} bytes)`);
  // Both verified against their digests before use; the base layers below are never read.
  const [configBytes, layerBytes] = await Promise.all([
    options.registry.readBlob(ref.registry, ref.repository, image.manifest.config, options.token),
    options.registry.readBlob(ref.registry, ref.repository, top, options.token),
  ]);
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const files = await readReleaseManifests(layerBytes, layerName, limits);
  if (!files.has('image-references')) {
    throw notAPayload(pullSpec, files.size ? 'its top layer has release-manifests/ but no image-references' : 'its top layer has no release-manifests/image-references');
  }
  const payload: CachedPayload = {
    schema: CACHE_SCHEMA,
    pullSpec,
    digest: image.digest,
    listDigest: image.listDigest,
    platforms: image.platforms?.map(formatPlatform),
    created: config.created ?? '',
    os: config.os,
    architecture: config.architecture,
    labels: config.config?.Labels ?? {},
    layers: layers.map((layer) => layer.digest),
    files: Object.fromEntries(files),
  };
  if (options.cache) {
    const cache = options.cache;
    await cacheWrite(() => cache.put(payload, layerBytes, platformKey), cache, logger);
  }
  return payload;
}

/** Caching is best effort: the data is already read, so a cache that cannot be written costs a warning, not the read. */
async function cacheWrite(write: () => Promise<void>, cache: ReleaseCache, logger: Logger | undefined): Promise<void> {
  try {
    await write();
  } catch (err) {
    (logger ?? silentLogger).warn(`release cache ${cache.dir} could not be written: ${(err as Error).message}`);
  }
}

function notAPayload(pullSpec: string, why: string): OkdError {
  return new OkdError('not-a-payload', `${pullSpec} is not a release payload: ${why}`, 'pass the pullspec of a release image, such as quay.io/okd/scos-release:<version>');
}

import { buildLayer } from '../../../src/core/image/layer';
import { type CachedPayload, ReleaseCache } from '../../../src/core/release/cache';

/**
 * Puts a payload into a release cache the way the reader does: its files packed as a real top layer (gzip tar of
 * release-manifests/), whose digest becomes the payload's last layer. For tests and benches that seed a cache
 * without a registry.
 */
export async function cachePayload(cache: ReleaseCache, payload: Omit<CachedPayload, 'layers'>, platform?: string): Promise<CachedPayload> {
  const layer = await buildLayer(Object.entries(payload.files).map(([name, text]) => ({ path: `release-manifests/${name}`, content: Buffer.from(text, 'utf8') })));
  const cached: CachedPayload = { ...payload, layers: [layer.digest] };
  await cache.put(cached, layer.data, platform);
  return cached;
}

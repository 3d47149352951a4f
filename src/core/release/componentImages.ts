import type { CancellationTokenLike } from '../cancel';
import { CancelledError, throwIfCancelled } from '../cancel';
import { describeError, OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { tryParsePullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import { UploadLimiter } from '../registry/limiter';
import type { Descriptor, ImageConfig, Platform } from '../registry/types';
import type { Release } from './model';

/** One component image of a payload as its registry has it (what `oc adm release info --size|--verify` reads). */
export interface ComponentImage {
  name: string;
  /** Digest of the image manifest (the platform's, for a manifest list). */
  digest: string;
  /** Digest of the manifest list the pullspec names, when it names one. */
  listDigest?: string;
  mediaType: string;
  layers: Descriptor[];
  config: ImageConfig;
}

export interface ComponentImages {
  /** By component name; components that could not be read are in `failed` instead. */
  images: Map<string, ComponentImage>;
  /** Component name -> why it could not be read (missing, refused, digest mismatch). */
  failed: Map<string, string>;
}

export interface ReadComponentImagesOptions {
  registry: RegistryClient;
  platform?: Platform;
  /** Reads at once per registry (oc's --max-per-registry default is 4). */
  perRegistry?: number;
  token?: CancellationTokenLike;
  logger?: Logger;
}

/**
 * Reads the manifest and config of every component image of `release`, each checked against its digest by the
 * registry client (a manifest named by digest whose bytes hash to another digest is a failure, as is a config blob).
 * Layers are never read. A component that cannot be read is recorded in `failed`, the others are still read.
 */
export async function readComponentImages(release: Release, options: ReadComponentImagesOptions): Promise<ComponentImages> {
  const logger = options.logger ?? silentLogger;
  const limiter = new UploadLimiter(options.perRegistry ?? 4);
  const images = new Map<string, ComponentImage>();
  const failed = new Map<string, string>();
  await Promise.all(
    release.components.map(async (component) => {
      const ref = tryParsePullspec(component.pullSpec);
      if (!ref) {
        failed.set(component.name, `${component.pullSpec} is not a pullspec`);
        return;
      }
      try {
        const image = await limiter.run(ref.registry, async () => {
          throwIfCancelled(options.token, `reading ${component.pullSpec}`);
          const reference = ref.digest ?? ref.tag ?? 'latest';
          const resolved = await options.registry.resolveImage(ref.registry, ref.repository, reference, options.platform ? { platform: options.platform } : {}, options.token);
          const configBytes = await options.registry.readBlob(ref.registry, ref.repository, resolved.manifest.config, options.token);
          return { resolved, config: JSON.parse(configBytes.toString('utf8')) as ImageConfig };
        });
        const entry: ComponentImage = {
          name: component.name,
          digest: image.resolved.digest,
          mediaType: image.resolved.mediaType,
          layers: image.resolved.manifest.layers ?? [],
          config: image.config,
        };
        if (image.resolved.listDigest) entry.listDigest = image.resolved.listDigest;
        images.set(component.name, entry);
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        logger.debug(`component ${component.name}: ${describeError(err)}`);
        failed.set(component.name, describeError(err));
      }
    }),
  );
  return { images, failed };
}

/** oc's warnings for images it could not read: `tag "NAME": why`, sorted with the release's other warnings. */
export function componentImageWarnings(read: ComponentImages): string[] {
  return [...read.failed].map(([name, why]) => `tag "${name}": ${why}`);
}

/** One entry of `imageDetails` in `release info -o json --include-images` (oc's `images` entries). */
export interface ComponentImageJson {
  name: string;
  digest: string;
  listDigest?: string;
  mediaType: string;
  layers: { mediaType: string; size: number; digest: string }[];
  config: ImageConfig;
}

/** `imageDetails` of the JSON, by component name in image-references order. */
export function componentImagesJson(release: Release, read: ComponentImages): Record<string, ComponentImageJson> {
  const out: Record<string, ComponentImageJson> = {};
  for (const c of release.components) {
    const image = read.images.get(c.name);
    if (!image) continue;
    out[c.name] = {
      name: image.name,
      digest: image.digest,
      ...(image.listDigest ? { listDigest: image.listDigest } : {}),
      mediaType: image.mediaType,
      layers: image.layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
      config: image.config,
    };
  }
  return out;
}

/**
 * `--verify`: fails unless every component image was read and matched its digest. oc only warns about an image
 * it could not read (and prints no warnings with --verify); a payload whose images are missing is not verified.
 */
export function assertComponentImagesVerified(release: Release, read: ComponentImages): void {
  if (read.failed.size === 0) return;
  const integrity = [...read.failed.values()].some((why) => /does not match its digest/.test(why));
  const list = componentImageWarnings(read).join('; ');
  throw new OkdError(
    integrity ? 'integrity' : 'not-found',
    `release ${release.version} (${release.pullSpec}) failed verification: ${read.failed.size} of ${release.components.length} component images could not be verified: ${list}`,
    integrity ? 'the registry serves content that does not match the payload: do not install it' : 'push the missing images, or mirror them with `oc adm release mirror`',
  );
}

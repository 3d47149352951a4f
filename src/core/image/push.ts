import type { Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { RegistryClient } from '../registry/client';
import { type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, MediaTypes, type Platform } from '../registry/types';
import { sha256 } from './layer';

/** One layer of an image to push: new bytes to upload, or a blob that another repository already holds. */
export interface LayerToPush {
  descriptor: Descriptor;
  diffId?: string;
  data?: Buffer | (() => Readable);
  /** Repositories on the same registry that hold the blob, to mount from instead of uploading. */
  mountFrom?: string[];
}

export type ManifestFormat = 'oci' | 'docker';

export interface PushedImage {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  manifest: ImageManifest;
  config: Descriptor;
  /** How each blob got there: already present, mounted from another repository, or uploaded. */
  blobs: { digest: string; size: number; how: 'exists' | 'mounted' | 'uploaded' }[];
}

export function manifestMediaType(format: ManifestFormat): string {
  return format === 'oci' ? MediaTypes.ociManifest : MediaTypes.dockerManifest;
}

/** Pushes layers (mounting where it can), the config and the manifest, and tags it `reference`. */
export async function pushImage(
  client: RegistryClient,
  registry: string,
  repository: string,
  reference: string,
  image: { config: ImageConfig; layers: LayerToPush[]; format: ManifestFormat; annotations?: Record<string, string> },
  token?: CancellationTokenLike,
): Promise<PushedImage> {
  const blobs: PushedImage['blobs'] = [];
  for (const layer of image.layers) {
    const { digest, size } = layer.descriptor;
    if (!layer.data && !layer.mountFrom?.length && !(await client.blobExists(registry, repository, digest, token))) {
      throw new OkdError('failed', `layer ${digest} is not in ${registry}/${repository} and there is nothing to upload or mount it from`);
    }
    const result = await client.pushBlob(registry, repository, { digest, size, data: layer.data ?? missingData(digest) }, { mountFrom: layer.mountFrom }, token);
    blobs.push({ digest, size, how: result.how });
  }
  const configBytes = Buffer.from(JSON.stringify(image.config));
  const config: Descriptor = {
    mediaType: image.format === 'oci' ? MediaTypes.ociConfig : MediaTypes.dockerConfig,
    digest: sha256(configBytes),
    size: configBytes.length,
  };
  const configResult = await client.pushBlob(registry, repository, { digest: config.digest, size: config.size, data: configBytes }, {}, token);
  blobs.push({ digest: config.digest, size: config.size, how: configResult.how });
  const mediaType = manifestMediaType(image.format);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config,
    layers: image.layers.map((layer) => ({ mediaType: layer.descriptor.mediaType, digest: layer.descriptor.digest, size: layer.descriptor.size })),
    ...(image.annotations && image.format === 'oci' ? { annotations: image.annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await client.putManifest(registry, repository, reference, bytes, mediaType, token);
  return { digest, mediaType, bytes, manifest, config, blobs };
}

/** Pushes an index (OCI) or manifest list (Docker) over manifests already in the repository. */
export async function pushIndex(
  client: RegistryClient,
  registry: string,
  repository: string,
  reference: string,
  entries: { digest: string; size: number; mediaType: string; platform: Platform }[],
  format: ManifestFormat,
  token?: CancellationTokenLike,
): Promise<{ digest: string; bytes: Buffer }> {
  const mediaType = format === 'oci' ? MediaTypes.ociIndex : MediaTypes.dockerManifestList;
  const index: ImageIndex = { schemaVersion: 2, mediaType, manifests: entries.map((e) => ({ mediaType: e.mediaType, digest: e.digest, size: e.size, platform: e.platform })) };
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = await client.putManifest(registry, repository, reference, bytes, mediaType, token);
  return { digest, bytes };
}

function missingData(digest: string): () => Readable {
  return () => {
    throw new OkdError('failed', `blob ${digest} had to be uploaded but no data was given for it`);
  };
}

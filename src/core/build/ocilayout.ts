import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { type LayerToPush, type ManifestFormat, pushImage, type PushedImage } from '../image/push';
import { digestPullspec, type Pullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import { type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, isIndexMediaType, MediaTypes } from '../registry/types';

/** An image in an OCI layout folder (`buildah push IMAGE oci:DIR`). */
export interface OciLayoutImage {
  dir: string;
  manifest: ImageManifest;
  mediaType: string;
  config: ImageConfig;
}

function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex || !/^[a-f0-9]+$/.test(hex)) throw new OkdError('integrity', `bad digest ${digest} in the OCI layout ${dir}`);
  return path.join(dir, 'blobs', algorithm, hex);
}

export function readOciLayout(dir: string): OciLayoutImage {
  let index: ImageIndex;
  try {
    index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as ImageIndex;
  } catch (err) {
    throw new OkdError('not-found', `${dir} is not an OCI layout (no readable index.json)`, undefined, { cause: err });
  }
  let entry = index.manifests?.[0];
  if (!entry) throw new OkdError('not-found', `the OCI layout ${dir} holds no image`);
  if (isIndexMediaType(entry.mediaType)) {
    const nested = JSON.parse(fs.readFileSync(blobPath(dir, entry.digest), 'utf8')) as ImageIndex;
    entry = nested.manifests[0];
    if (!entry) throw new OkdError('not-found', `the OCI layout ${dir} holds an empty index`);
  }
  const manifest = JSON.parse(fs.readFileSync(blobPath(dir, entry.digest), 'utf8')) as ImageManifest;
  const config = JSON.parse(fs.readFileSync(blobPath(dir, manifest.config.digest), 'utf8')) as ImageConfig;
  return { dir, manifest, mediaType: manifest.mediaType ?? entry.mediaType, config };
}

/** The media type of a known layer written in the manifest's own vocabulary (OCI or Docker), when it is gzip. */
function sameCompression(mediaType: string, format: ManifestFormat): string {
  if (mediaType !== MediaTypes.ociLayerGzip && mediaType !== MediaTypes.dockerLayerGzip) return mediaType;
  return format === 'oci' ? MediaTypes.ociLayerGzip : MediaTypes.dockerLayerGzip;
}

/** A layer the destination registry may already hold in another repository, known by its uncompressed digest. */
export interface KnownLayer {
  diffId: string;
  descriptor: Descriptor;
  registry: string;
  repository: string;
}

/**
 * Pushes an OCI layout image with the registry client. Container tools recompress layers they write to a layout, so
 * the base image's layers come out with new digests; layers whose diff_id matches a known layer on the destination
 * registry are pushed as that layer (mounted, or already there) instead of uploaded again. Only new layers go up.
 */
export async function pushOciLayout(
  client: RegistryClient,
  image: OciLayoutImage,
  to: Pick<Pullspec, 'registry' | 'repository'>,
  tag: string,
  known: KnownLayer[],
  token?: CancellationTokenLike,
): Promise<{ pullSpec: string; digest: string; pushed: PushedImage; uploadedBytes: number; reused: number }> {
  const format: ManifestFormat = image.mediaType === MediaTypes.dockerManifest ? 'docker' : 'oci';
  let reused = 0;
  const layers: LayerToPush[] = image.manifest.layers.map((descriptor, i) => {
    const diffId = image.config.rootfs.diff_ids[i];
    const hit = known.find((k) => k.diffId === diffId && k.registry === to.registry);
    if (hit) {
      reused++;
      // The layout's copy has other bytes (another compression): if the mount fails there is nothing right to upload.
      const unmountable = () => {
        throw new OkdError('failed', `layer ${hit.descriptor.digest} could not be mounted from ${hit.repository} into ${to.repository}`, 'check that the credentials can pull from that repository');
      };
      return { descriptor: { mediaType: sameCompression(hit.descriptor.mediaType, format), digest: hit.descriptor.digest, size: hit.descriptor.size }, diffId, mountFrom: [hit.repository], data: unmountable };
    }
    return { descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }, diffId, data: () => fs.createReadStream(blobPath(image.dir, descriptor.digest)) };
  });
  const pushed = await pushImage(client, to.registry, to.repository, tag, { format, config: image.config, layers }, token);
  return {
    pullSpec: digestPullspec(to, pushed.digest),
    digest: pushed.digest,
    pushed,
    uploadedBytes: pushed.blobs.filter((b) => b.how === 'uploaded').reduce((n, b) => n + b.size, 0),
    reused,
  };
}

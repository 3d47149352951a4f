import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { type LayerToPush, type ManifestFormat, pushImage, type PushedImage } from '../image/push';
import { digestPullspec, type Pullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import { VerifyingStream, verifyBuffer } from '../registry/digest';
import { type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, isIndexMediaType, MediaTypes } from '../registry/types';

/** An image in an OCI layout folder (`buildah push IMAGE oci:DIR`). */
export interface OciLayoutImage {
  dir: string;
  manifest: ImageManifest;
  mediaType: string;
  config: ImageConfig;
}

const sha256Pattern = /^sha256:[a-f0-9]{64}$/;

/** The file of a blob; only a well-formed sha256 digest becomes a path (nothing outside `blobs/sha256/`). */
function blobPath(dir: string, digest: unknown): string {
  if (typeof digest !== 'string' || !sha256Pattern.test(digest)) {
    throw new OkdError('integrity', `bad digest ${JSON.stringify(digest)} in the OCI layout ${dir}: only sha256:<64 hex> digests are read`);
  }
  return path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** A JSON blob (index, manifest, config) read whole and checked against its descriptor's digest and size. */
function readJsonBlob<T>(dir: string, descriptor: { digest: string; size?: number } | undefined, what: string): T {
  const file = blobPath(dir, descriptor?.digest);
  const digest = descriptor?.digest as string;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new OkdError('not-found', `the ${what} ${digest} is missing from the OCI layout ${dir}`, undefined, { cause: err });
  }
  verifyBuffer(bytes, digest, typeof descriptor?.size === 'number' ? descriptor.size : undefined, `the OCI layout ${dir}`);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new OkdError('failed', `the ${what} ${digest} in the OCI layout ${dir} is not JSON`);
  }
}

/** A layer's bytes from the layout, verified against its digest and size as they stream (an error instead of 'end'). */
export function openLayoutBlob(dir: string, descriptor: { digest: string; size: number }): Readable {
  const verifier = new VerifyingStream(descriptor.digest, descriptor.size, `the OCI layout ${dir}`);
  pipeline(fs.createReadStream(blobPath(dir, descriptor.digest)), verifier, () => undefined);
  return verifier;
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
    const nested = readJsonBlob<ImageIndex>(dir, entry, 'index');
    entry = nested.manifests?.[0];
    if (!entry) throw new OkdError('not-found', `the OCI layout ${dir} holds an empty index`);
  }
  const manifest = readJsonBlob<ImageManifest>(dir, entry, 'manifest');
  const config = readJsonBlob<ImageConfig>(dir, manifest.config, 'config');
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
    return { descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }, diffId, data: () => openLayoutBlob(image.dir, descriptor) };
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

import { createHash, randomBytes } from 'node:crypto';
import { type Descriptor, type ImageConfig, MediaTypes, type Platform } from '../../../src/core/registry/types';

export interface Blob {
  bytes: Buffer;
  descriptor: Descriptor;
}

export interface BuiltImage {
  layer: Blob;
  config: Blob;
  manifest: Blob;
}

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function blobOf(bytes: Buffer, mediaType: string): Blob {
  return { bytes, descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length } };
}

/** Random bytes standing in for a layer (registries do not look inside layers). */
export function randomLayer(size: number, mediaType: string = MediaTypes.ociLayerGzip): Blob {
  return blobOf(randomBytes(size), mediaType);
}

/** A one-layer image: layer, config and manifest in OCI or Docker schema 2 form. */
export function buildImage(opts: { layerSize?: number; format?: 'oci' | 'docker'; platform?: Platform } = {}): BuiltImage {
  const docker = opts.format === 'docker';
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const layer = randomLayer(opts.layerSize ?? 4096, docker ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip);
  const config: ImageConfig = {
    created: '2024-01-01T00:00:00Z',
    ...platform,
    config: { Labels: { 'io.openshift.release.operator': 'true' }, Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: [layer.descriptor.digest] },
  };
  const configBlob = blobOf(Buffer.from(JSON.stringify(config)), docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig);
  const manifest = {
    schemaVersion: 2,
    mediaType: docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
    config: configBlob.descriptor,
    layers: [layer.descriptor],
  };
  return {
    layer,
    config: configBlob,
    manifest: blobOf(Buffer.from(JSON.stringify(manifest, null, 2)), manifest.mediaType),
  };
}

/** An OCI index over images, each entry carrying its platform. */
export function buildIndex(entries: { manifest: Blob; platform: Platform }[]): Blob {
  const index = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: entries.map((e) => ({ ...e.manifest.descriptor, platform: e.platform })),
  };
  return blobOf(Buffer.from(JSON.stringify(index)), MediaTypes.ociIndex);
}

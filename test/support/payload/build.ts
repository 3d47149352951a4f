import * as fs from 'node:fs';
import { buildLayer, type LayerBlob } from '../../../src/core/image/layer';
import { type LayerToPush, type ManifestFormat, pushImage, pushIndex } from '../../../src/core/image/push';
import type { RegistryClient } from '../../../src/core/registry/client';
import { type ImageConfig, MediaTypes } from '../../../src/core/registry/types';
import { baseLayers } from './base';
import { type FixtureTag, releaseManifests } from './manifests';

export interface TestPayloadOptions {
  client: RegistryClient;
  /** Registry host as the client addresses it, e.g. 127.0.0.1:5000. */
  registry: string;
  repository: string;
  tag: string;
  version: string;
  format?: ManifestFormat;
  tags?: FixtureTag[];
  previous?: string[];
  extraFiles?: Record<string, string>;
  /** A manifest list / index with linux/amd64 and linux/arm64 images. */
  multiArch?: boolean;
  /** Replace the release-manifests layer (for tests of damaged or non-payload images). */
  topLayer?: LayerBlob;
  /** Only the fixture operators' manifests (faster; for tests that do not need hundreds of files). */
  small?: boolean;
  /** Leave out the 100 MB+ base (one tiny base layer instead). */
  tinyBase?: boolean;
}

export interface TestPayload {
  pullSpec: string;
  digestPullSpec: string;
  /** The image manifest's digest (the amd64 one for a list). */
  digest: string;
  listDigest?: string;
  /** os/arch -> image manifest digest, for multi-arch payloads. */
  platformDigests: Record<string, string>;
  sizes: { manifest: number; config: number; topLayer: number; base: number };
  files: Map<string, string>;
  topLayer: LayerBlob;
}

/** Repositories per registry that hold the base layers, to mount from instead of uploading again. */
const basesPushed = new Map<string, string[]>();

/** Builds a release payload from the fixtures and pushes it, as the release tooling would. */
export async function pushTestPayload(options: TestPayloadOptions): Promise<TestPayload> {
  const format = options.format ?? 'oci';
  const layerType = format === 'oci' ? MediaTypes.ociLayerGzip : MediaTypes.dockerLayerGzip;
  const files = releaseManifests({ version: options.version, tags: options.tags, previous: options.previous, extraFiles: options.extraFiles, small: options.small });
  const topLayer = options.topLayer ?? (await buildLayer([...files].map(([name, text]) => ({ path: `release-manifests/${name}`, content: Buffer.from(text) }))));
  const mountFrom = basesPushed.get(options.registry) ?? [];
  const base: LayerToPush[] = options.tinyBase
    ? [await tinyBaseLayer(layerType)]
    : (await baseLayers()).map((layer) => ({
        descriptor: { mediaType: layerType, digest: layer.digest, size: layer.size },
        diffId: layer.diffId,
        data: () => fs.createReadStream(layer.file),
        mountFrom,
      }));
  const layers: LayerToPush[] = [...base, { descriptor: { mediaType: layerType, digest: topLayer.digest, size: topLayer.size }, diffId: topLayer.diffId, data: topLayer.data }];

  const pushFor = async (architecture: string, reference: string) => {
    const config: ImageConfig = {
      created: '2026-11-01T10:00:00Z',
      architecture,
      os: 'linux',
      config: {
        Entrypoint: ['/usr/bin/cluster-version-operator'],
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Labels: { 'io.openshift.release': options.version, 'io.openshift.release.base-image-digest': base[0]?.descriptor.digest ?? '' },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId ?? '') },
      history: layers.map(() => ({ created: '2026-11-01T10:00:00Z', created_by: 'okd-dev test payload' })),
    };
    return pushImage(options.client, options.registry, options.repository, reference, { config, layers, format });
  };

  let digest: string;
  let listDigest: string | undefined;
  let manifestSize: number;
  let configSize: number;
  const platformDigests: Record<string, string> = {};
  if (options.multiArch) {
    const amd64 = await pushFor('amd64', 'amd64-' + options.tag);
    const arm64 = await pushFor('arm64', 'arm64-' + options.tag);
    const index = await pushIndex(options.client, options.registry, options.repository, options.tag, [
      { digest: amd64.digest, size: amd64.bytes.length, mediaType: amd64.mediaType, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: arm64.digest, size: arm64.bytes.length, mediaType: arm64.mediaType, platform: { os: 'linux', architecture: 'arm64' } },
    ], format);
    digest = amd64.digest;
    listDigest = index.digest;
    platformDigests['linux/amd64'] = amd64.digest;
    platformDigests['linux/arm64'] = arm64.digest;
    manifestSize = amd64.bytes.length + index.bytes.length;
    configSize = amd64.config.size;
  } else {
    const pushed = await pushFor('amd64', options.tag);
    digest = pushed.digest;
    manifestSize = pushed.bytes.length;
    configSize = pushed.config.size;
  }
  if (!options.tinyBase && !mountFrom.includes(options.repository)) basesPushed.set(options.registry, [...mountFrom, options.repository]);
  const pullSpec = `${options.registry}/${options.repository}:${options.tag}`;
  return {
    pullSpec,
    digestPullSpec: `${options.registry}/${options.repository}@${listDigest ?? digest}`,
    digest,
    listDigest,
    platformDigests,
    sizes: { manifest: manifestSize, config: configSize, topLayer: topLayer.size, base: base.reduce((sum, layer) => sum + layer.descriptor.size, 0) },
    files,
    topLayer,
  };
}

async function tinyBaseLayer(mediaType: string): Promise<LayerToPush> {
  const layer = await buildLayer([{ path: 'usr/bin/cluster-version-operator', content: Buffer.from('#!/bin/sh\necho cvo\n'), mode: 0o755 }]);
  return { descriptor: { mediaType, digest: layer.digest, size: layer.size }, diffId: layer.diffId, data: layer.data };
}

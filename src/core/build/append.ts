import { PassThrough, type Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { buildLayer, type LayerBlob, type LayerEntry } from '../image/layer';
import { type LayerToPush, type ManifestFormat, pushImage, type PushedImage } from '../image/push';
import { digestPullspec, formatPullspec, type Pullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import { type Descriptor, type ImageConfig, type ImageManifest, MediaTypes, type Platform } from '../registry/types';

/** A component image as read from its registry: manifest and config, no layer downloaded. */
export interface SourceImage {
  ref: Pullspec;
  digest: string;
  mediaType: string;
  manifest: ImageManifest;
  config: ImageConfig;
}

export async function readSourceImage(client: RegistryClient, ref: Pullspec, platform: Platform | undefined, token?: CancellationTokenLike): Promise<SourceImage> {
  const resolved = await client.resolveImage(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest', platform ? { platform } : {}, token);
  const config = JSON.parse((await client.readBlob(ref.registry, ref.repository, resolved.manifest.config, token)).toString('utf8')) as ImageConfig;
  return { ref, digest: resolved.digest, mediaType: resolved.mediaType, manifest: resolved.manifest, config };
}

const SHELLS = new Set(['/bin/sh', '/bin/bash', '/usr/bin/sh', '/usr/bin/bash', '/usr/bin/env', '/usr/bin/tini', '/tini', '/usr/bin/dumb-init']);

/**
 * The file the image runs: the first of Entrypoint or Cmd that is a program (not a shell or an init wrapper). A bare
 * name (`cluster-image-registry-operator`) is looked for in /usr/bin, where OpenShift images install operators.
 */
export function entrypointPath(config: ImageConfig): string | undefined {
  const candidates = [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])].filter((a) => a && !a.startsWith('-'));
  for (const arg of candidates) {
    if (SHELLS.has(arg)) continue;
    if (arg.includes(' ') || arg.includes('$')) continue;
    return arg.startsWith('/') ? arg : `/usr/bin/${arg}`;
  }
  return undefined;
}

function nonEmptyHistory(config: ImageConfig): number {
  return (config.history ?? []).filter((h) => !h.empty_layer).length;
}

/**
 * The config of the appended image: the old one plus the new diff_id, a history entry for it, the given labels and a
 * new creation time. A history that does not account for the old layers (images pushed without one) is completed
 * first: container tools refuse to build on images whose history and layers disagree. Pure.
 */
export function appendConfig(old: ImageConfig, diffId: string, options: { labels?: Record<string, string>; createdBy: string; now: Date }): ImageConfig {
  const created = options.now.toISOString();
  let history = [...(old.history ?? [])];
  const missing = old.rootfs.diff_ids.length - nonEmptyHistory(old);
  if (missing > 0) history = [...history, ...Array.from({ length: missing }, () => ({ created: old.created ?? created, created_by: 'layer of the base image (no history recorded)' }))];
  return {
    ...old,
    created,
    config: { ...(old.config ?? {}), Labels: { ...(old.config?.Labels ?? {}), ...(options.labels ?? {}) } },
    rootfs: { type: old.rootfs.type || 'layers', diff_ids: [...old.rootfs.diff_ids, diffId] },
    history: [...history, { created, created_by: options.createdBy, comment: 'okd-dev dev loop' }],
  };
}

/** A stream that opens lazily (the registry client wants a synchronous `() => Readable` to retry with). */
function lazyStream(open: () => Promise<Readable>): Readable {
  const out = new PassThrough();
  open().then(
    (source) => {
      source.on('error', (err) => out.destroy(err));
      source.pipe(out);
    },
    (err: Error) => out.destroy(err),
  );
  return out;
}

export interface AppendOptions {
  client: RegistryClient;
  /** The component image to append to (from the payload: a digest pullspec). */
  base: SourceImage;
  /** The new layer (packLayer of the operator binary at its entrypoint path) and what made it, for the history. */
  layer: LayerBlob;
  createdBy: string;
  labels?: Record<string, string>;
  /** Where to push: the dev repository and the tag. */
  to: Pick<Pullspec, 'registry' | 'repository'>;
  tag: string;
  now?: Date;
  token?: CancellationTokenLike;
  onStep?: (message: string) => void;
}

export interface AppendResult {
  /** `registry/repository@sha256:...` */
  pullSpec: string;
  /** `registry/repository:tag` */
  tagPullSpec: string;
  digest: string;
  layer: Pick<LayerBlob, 'digest' | 'size' | 'diffId'>;
  config: ImageConfig;
  pushed: PushedImage;
  /** Bytes of blobs uploaded (not mounted, not present). */
  uploadedBytes: number;
  /** Base layers came from another registry and were copied through this machine. */
  crossRegistry: boolean;
}

export function imageFormat(image: Pick<SourceImage, 'mediaType'>): ManifestFormat {
  return image.mediaType === MediaTypes.dockerManifest ? 'docker' : 'oci';
}

/** Packs the files into one layer (gzip, in the image's own media types). */
export function packLayer(files: LayerEntry[], format: ManifestFormat, gzipLevel?: number): Promise<LayerBlob> {
  return buildLayer(files, { oci: format === 'oci', ...(gzipLevel !== undefined ? { gzipLevel } : {}) });
}

/**
 * `oc image append` done with the registry client: the component image's layers stay where they are (present in the
 * dev repository, or mounted from the component's repository on the same registry; streamed through when the
 * registries differ), one new layer with the files goes on top, and the new config and manifest are pushed.
 */
export async function appendImage(options: AppendOptions): Promise<AppendResult> {
  const { client, base, to } = options;
  const step = options.onStep ?? (() => undefined);
  const format = imageFormat(base);
  const layer = options.layer;
  const config = appendConfig(base.config, layer.diffId, { labels: options.labels, createdBy: options.createdBy, now: options.now ?? new Date() });
  const sameRegistry = base.ref.registry === to.registry;
  if (!sameRegistry) {
    const total = base.manifest.layers.reduce((n, l) => n + l.size, 0);
    step(`${base.ref.registry} and ${to.registry} are different registries: base layers missing from ${to.registry}/${to.repository} are copied through this machine (up to ${(total / 1e6).toFixed(1)} MB)`);
  }
  const baseLayers: LayerToPush[] = base.manifest.layers.map((descriptor: Descriptor, i) => ({
    descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size },
    diffId: base.config.rootfs.diff_ids[i],
    ...(sameRegistry
      ? { mountFrom: [base.ref.repository], data: () => lazyStream(() => client.openBlob(base.ref.registry, base.ref.repository, descriptor, options.token)) }
      : { data: () => lazyStream(() => client.openBlob(base.ref.registry, base.ref.repository, descriptor, options.token)) }),
  }));
  if (base.config.rootfs.diff_ids.length !== base.manifest.layers.length) {
    throw new OkdError('failed', `${formatPullspec(base.ref)} lists ${base.manifest.layers.length} layers but ${base.config.rootfs.diff_ids.length} diff_ids`, 'the component image is damaged; choose another release');
  }
  step(`pushing ${to.registry}/${to.repository}:${options.tag} (new layer ${layer.digest.slice(7, 19)}, ${(layer.size / 1e6).toFixed(2)} MB)`);
  const pushed = await pushImage(
    client,
    to.registry,
    to.repository,
    options.tag,
    {
      format,
      config,
      layers: [...baseLayers, { descriptor: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size }, diffId: layer.diffId, data: layer.data }],
    },
    options.token,
  );
  const uploadedBytes = pushed.blobs.filter((b) => b.how === 'uploaded').reduce((n, b) => n + b.size, 0);
  const copied = pushed.blobs.filter((b) => b.how === 'uploaded' && base.manifest.layers.some((l) => l.digest === b.digest));
  if (sameRegistry && copied.length) {
    step(`${to.registry} refused to mount ${copied.length} base layer(s) from ${base.ref.repository} into ${to.repository}; they were copied through this machine`);
  }
  return {
    pullSpec: digestPullspec(to, pushed.digest),
    tagPullSpec: `${to.registry}/${to.repository}:${options.tag}`,
    digest: pushed.digest,
    layer: { digest: layer.digest, size: layer.size, diffId: layer.diffId },
    config,
    pushed,
    uploadedBytes,
    crossRegistry: !sameRegistry,
  };
}

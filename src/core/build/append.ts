import { PassThrough, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { type LayerBlob, type LayerEntry, sha256, tarEntries } from '../image/layer';
import { manifestMediaType, type ManifestFormat, type PushedImage } from '../image/push';
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

async function fetchSourceImage(client: RegistryClient, ref: Pullspec, platform: Platform | undefined, token?: CancellationTokenLike): Promise<SourceImage> {
  const resolved = await client.resolveImage(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest', platform ? { platform } : {}, token);
  const config = JSON.parse((await client.readBlob(ref.registry, ref.repository, resolved.manifest.config, token)).toString('utf8')) as ImageConfig;
  return { ref, digest: resolved.digest, mediaType: resolved.mediaType, manifest: resolved.manifest, config };
}

/** Images read by digest in this process: a digest names the same manifest and config forever. */
const sourceImages = new Map<string, Promise<SourceImage>>();
const SOURCE_IMAGES_KEPT = 32;

/**
 * The component image's manifest and config. Read once per process when `ref` has a digest (payload images
 * always do): the next loop over the same payload asks the registry nothing. Callers must not change the result.
 */
export function readSourceImage(client: RegistryClient, ref: Pullspec, platform: Platform | undefined, token?: CancellationTokenLike): Promise<SourceImage> {
  if (!ref.digest) return fetchSourceImage(client, ref, platform, token);
  const key = `${formatPullspec(ref)} ${platform ? `${platform.os}/${platform.architecture}/${platform.variant ?? ''}` : ''}`;
  const known = sourceImages.get(key);
  if (known) {
    sourceImages.delete(key);
    sourceImages.set(key, known);
    return known.then((image) => (image.ref === ref ? image : { ...image, ref }));
  }
  const reading = fetchSourceImage(client, ref, platform, token);
  sourceImages.set(key, reading);
  reading.catch(() => sourceImages.delete(key));
  while (sourceImages.size > SOURCE_IMAGES_KEPT) sourceImages.delete(sourceImages.keys().next().value as string);
  return reading;
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

/** The gzip level of the fast path's layer: a Go binary compresses little better at 6 than at 1, and twice as slowly. */
export const DEFAULT_LAYER_GZIP_LEVEL = 1;
/** The tarball is deflated in pieces of this size on the thread pool at once (like pigz). Fixed, so output is reproducible. */
const GZIP_PIECE = 512 * 1024;

/** The fast path tars its layer like every other layer (re-exported for its tests). */
export { tarEntries };

const deflateRaw = promisify(zlib.deflateRaw) as (data: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * One gzip member whose deflate stream is made of independently compressed pieces, deflated on the thread pool at
 * once: each piece but the last ends on a sync flush (byte-aligned, not final), so the pieces join into one valid
 * deflate stream that any gunzip reads as usual. The diff_id (sha256 of the tarball) is computed meanwhile.
 */
export async function gzipParallel(data: Buffer, level: number): Promise<{ gz: Buffer; diffId: string }> {
  if (typeof zlib.crc32 !== 'function' || data.length <= GZIP_PIECE) {
    const gz = await promisify(zlib.gzip)(data, { level });
    return { gz, diffId: sha256(data) };
  }
  const pieces: Promise<Buffer>[] = [];
  for (let offset = 0; offset < data.length; offset += GZIP_PIECE) {
    const last = offset + GZIP_PIECE >= data.length;
    pieces.push(deflateRaw(data.subarray(offset, offset + GZIP_PIECE), { level, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }));
  }
  const diffId = sha256(data);
  const crc = zlib.crc32(data);
  const deflated = await Promise.all(pieces);
  // RFC 1952: magic, deflate, no flags, no mtime, XFL (2: best, 4: fastest), OS unix; trailer CRC32 and ISIZE.
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level >= 9 ? 2 : level <= 1 ? 4 : 0, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return { gz: Buffer.concat([header, ...deflated, trailer]), diffId };
}

/** Packs the files into one layer (gzip, in the image's own media types). */
export async function packLayer(files: LayerEntry[], format: ManifestFormat, gzipLevel = DEFAULT_LAYER_GZIP_LEVEL): Promise<LayerBlob> {
  const tarball = await tarEntries(files);
  const { gz, diffId } = await gzipParallel(tarball, gzipLevel);
  return { mediaType: format === 'oci' ? MediaTypes.ociLayerGzip : MediaTypes.dockerLayerGzip, digest: sha256(gz), size: gz.length, diffId, data: gz };
}

/**
 * `oc image append` done with the registry client: the component image's layers stay where they are (present in the
 * dev repository, or mounted from the component's repository on the same registry; streamed through when the
 * registries differ), one new layer with the files goes on top, and the new config and manifest are pushed. The
 * base layers, the new layer and the config go up at once; the manifest last.
 */
export async function appendImage(options: AppendOptions): Promise<AppendResult> {
  const { client, base, to } = options;
  const step = options.onStep ?? (() => undefined);
  const format = imageFormat(base);
  const layer = options.layer;
  const sameRegistry = base.ref.registry === to.registry;
  if (base.config.rootfs.diff_ids.length !== base.manifest.layers.length) {
    throw new OkdError('failed', `${formatPullspec(base.ref)} lists ${base.manifest.layers.length} layers but ${base.config.rootfs.diff_ids.length} diff_ids`, 'the component image is damaged; choose another release');
  }
  if (!sameRegistry) {
    const total = base.manifest.layers.reduce((n, l) => n + l.size, 0);
    step(`${base.ref.registry} and ${to.registry} are different registries: base layers missing from ${to.registry}/${to.repository} are copied through this machine (up to ${(total / 1e6).toFixed(1)} MB)`);
  }
  step(`pushing ${to.registry}/${to.repository}:${options.tag} (new layer ${layer.digest.slice(7, 19)}, ${(layer.size / 1e6).toFixed(2)} MB)`);
  // A digest listed twice (empty layers) goes up once.
  const baseLayers = [...new Map(base.manifest.layers.map((l) => [l.digest, l])).values()];
  const baseBlobs = baseLayers.map((descriptor: Descriptor) =>
    client.pushBlob(
      to.registry,
      to.repository,
      { digest: descriptor.digest, size: descriptor.size, data: () => lazyStream(() => client.openBlob(base.ref.registry, base.ref.repository, descriptor, options.token)) },
      sameRegistry ? { mountFrom: [base.ref.repository] } : {},
      options.token,
    ),
  );
  const newLayer = client.pushBlob(to.registry, to.repository, { digest: layer.digest, size: layer.size, data: layer.data }, {}, options.token);
  const config = appendConfig(base.config, layer.diffId, { labels: options.labels, createdBy: options.createdBy, now: options.now ?? new Date() });
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDescriptor: Descriptor = { mediaType: format === 'oci' ? MediaTypes.ociConfig : MediaTypes.dockerConfig, digest: sha256(configBytes), size: configBytes.length };
  const configBlob = client.pushBlob(to.registry, to.repository, { digest: configDescriptor.digest, size: configDescriptor.size, data: configBytes }, {}, options.token);
  // Every upload settles before we answer (none is left running), the first failure is the error.
  const settled = await Promise.allSettled([...baseBlobs, newLayer, configBlob]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const blobs: PushedImage['blobs'] = settled.map((r) => {
    const b = (r as PromiseFulfilledResult<{ digest: string; size: number; how: 'exists' | 'mounted' | 'uploaded' }>).value;
    return { digest: b.digest, size: b.size, how: b.how };
  });
  const mediaType = manifestMediaType(format);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: configDescriptor,
    layers: [...base.manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })), { mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await client.putManifest(to.registry, to.repository, options.tag, bytes, mediaType, options.token);
  const pushed: PushedImage = { digest, mediaType, bytes, manifest, config: configDescriptor, blobs };
  const uploadedBytes = blobs.filter((b) => b.how === 'uploaded').reduce((n, b) => n + b.size, 0);
  const copied = blobs.filter((b) => b.how === 'uploaded' && base.manifest.layers.some((l) => l.digest === b.digest));
  if (sameRegistry && copied.length) {
    step(`${to.registry} refused to mount ${copied.length} base layer(s) from ${base.ref.repository} into ${to.repository}; they were copied through this machine`);
  }
  return {
    pullSpec: digestPullspec(to, digest),
    tagPullSpec: `${to.registry}/${to.repository}:${options.tag}`,
    digest,
    layer: { digest: layer.digest, size: layer.size, diffId: layer.diffId },
    config,
    pushed,
    uploadedBytes,
    crossRegistry: !sameRegistry,
  };
}

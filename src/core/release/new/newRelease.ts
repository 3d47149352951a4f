import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { CancellationTokenLike } from '../../cancel';
import { throwIfCancelled } from '../../cancel';
import { OkdError } from '../../errors';
import { buildLayer } from '../../image/layer';
import { type LayerToPush, pushImage } from '../../image/push';
import { type Logger, silentLogger } from '../../log';
import { digestPullspec, formatPullspec, parsePullspec, type Pullspec } from '../../pullspec';
import type { RegistryClient } from '../../registry/client';
import { type Descriptor, formatPlatform, type ImageConfig, type ImageIndex, isIndexMediaType, MediaTypes, type Platform } from '../../registry/types';
import type { ReleaseCache } from '../cache';
import { parseImageReferences } from '../imageReferences';
import { parseReleaseMetadata } from '../metadata';
import { readPayload } from '../reader';
import { releaseConfig } from './config';
import { type ComponentReplacement, unknownComponentError } from './replacements';
import { defaultReleaseName, isSemver, type ResolvedReplacement, rewriteReleaseFiles, tagForName } from './rewrite';

export interface NewReleaseOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  /** `--from-release`: the payload to start from. */
  from: string;
  /** `NAME=IMAGE` replacements, already parsed. */
  replacements: ComponentReplacement[];
  /** `--to-image`: repository[:tag]; without a tag the release name is the tag (as oc). */
  to: string;
  /** `--name`: a semantic version; default: the source version plus `-custom-<yyyymmddhhmm>`. */
  name?: string;
  /** Replace the target tag when it exists. */
  force?: boolean;
  /** `--filter-by-os`: required for a multi-arch source; the new payload is that platform's image. */
  platform?: Platform;
  now?: Date;
  token?: CancellationTokenLike;
  logger?: Logger;
  progress?: (message: string) => void;
}

export interface ReplacedComponent {
  name: string;
  from: string;
  to: string;
}

export interface NewReleaseResult {
  /** `registry/repository@digest` of the new payload. */
  pullSpec: string;
  digest: string;
  /** `registry/repository:tag` it was pushed as. */
  tagPullSpec: string;
  name: string;
  /** The source payload by digest. */
  from: string;
  replaced: ReplacedComponent[];
  /** Manifest files whose pullspecs were rewritten. */
  manifestsChanged: string[];
  /** Bytes sent as blob or manifest bodies: the new layer, the config, the manifest (and copied layers). */
  uploadedBytes: number;
  /** Base layers mounted from the source repository (same registry): nothing sent. */
  mountedBlobs: number;
  /** Base layers the target repository already held. */
  existingBlobs: number;
  /** Base layers streamed from the source registry because the target is another registry (or refused a mount). */
  copiedBlobs: number;
  copiedBytes: number;
  layer: { digest: string; size: number };
  warnings: string[];
}

/**
 * `oc adm release new --from-release OLD NAME=IMAGE... --to-image NEW`: the source payload's base layers (mounted,
 * never downloaded) plus one new `release-manifests/` layer in which the replaced components point at the new
 * images by digest, with a fresh config.
 *
 * Unlike oc, manifests are not re-rendered from each operator image's /manifests: the old digest pullspec of a
 * replaced component is swapped for the new one wherever it appears whole (image, env, args), and `0.0.1-snapshot`
 * style version strings are left as the source rendered them. Base layers are mounted, never re-uploaded.
 */
export async function createRelease(options: NewReleaseOptions): Promise<NewReleaseResult> {
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? (() => undefined);
  const registry = options.registry;
  const token = options.token;
  const now = options.now ?? new Date();
  const source = parsePullspec(options.from);
  const target = parsePullspec(options.to);
  if (target.digest) {
    throw new OkdError('invalid-input', `--to-image ${options.to} names a digest`, 'give a repository or repository:tag; the digest is known only after the push');
  }
  if (options.name !== undefined && !isSemver(options.name)) {
    throw new OkdError('invalid-input', `--name "${options.name}" is not a semantic version`, 'a release name is a semantic version such as 4.19.0-okd-scos.1-custom.1');
  }

  // The source: one platform's image manifest, its config and its release-manifests (cached by digest).
  progress(`reading ${options.from}...`);
  const reference = source.digest ?? source.tag ?? 'latest';
  const top = await registry.getManifest(source.registry, source.repository, reference, token);
  if (isIndexMediaType(top.mediaType) && !options.platform) {
    const offered = ((top.json as ImageIndex).manifests ?? []).flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
    throw new OkdError(
      'unsupported',
      `${options.from} is a multi-arch release (${offered.join(', ') || 'no platforms listed'}); a custom release is built for one platform`,
      `choose one with --filter-by-os, e.g. --filter-by-os ${offered[0] ?? 'linux/amd64'}`,
    );
  }
  const image = await registry.resolveImage(source.registry, source.repository, top.digest, options.platform ? { platform: options.platform } : {}, token);
  const sourceByDigest: Pullspec = { registry: source.registry, repository: source.repository, digest: image.digest };
  const fromPullSpec = formatPullspec(sourceByDigest);
  const [payload, configBytes] = await Promise.all([
    readPayload(sourceByDigest, {
      registry,
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(token ? { token } : {}),
      logger,
    }),
    registry.readBlob(source.registry, source.repository, image.manifest.config, token),
  ]);
  const oldConfig = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const files = new Map(Object.entries(payload.files));
  const refs = parseImageReferences(files.get('image-references') ?? '', `image-references of ${fromPullSpec}`);
  const metadataText = files.get('release-metadata');
  const oldVersion = (metadataText !== undefined ? parseReleaseMetadata(metadataText).version : '') || refs.name;
  const name = options.name ?? defaultReleaseName(oldVersion, now);
  const tag = target.tag ?? tagForName(name);
  const tagPullSpec = `${target.registry}/${target.repository}:${tag}`;

  const components = new Map(refs.components.map((c) => [c.name, c]));
  for (const r of options.replacements) {
    if (!components.has(r.name)) throw unknownComponentError(r.name, options.from, [...components.keys()]);
  }

  if (!options.force) await assertTagFree(registry, target, tag, tagPullSpec, token);

  // The replacement images: pinned by digest, their build labels read from their config.
  progress('resolving replacement images...');
  const platform: Platform = options.platform ?? { os: oldConfig.os || 'linux', architecture: oldConfig.architecture || 'amd64' };
  const resolved = await Promise.all(
    options.replacements.map((r) => resolveReplacement(registry, r, components.get(r.name)?.pullSpec ?? '', platform, token)),
  );
  const warnings: string[] = [];
  for (const r of resolved) {
    const sharing = refs.components.filter((c) => c.name !== r.name && c.pullSpec === r.from && !options.replacements.some((o) => o.name === c.name));
    if (sharing.length) {
      warnings.push(`${r.name} had the same image as ${sharing.map((c) => c.name).join(', ')}; manifests referencing that image now reference ${r.to}`);
    }
  }

  throwIfCancelled(token, 'release new');
  progress('building the release-manifests layer...');
  const rewritten = rewriteReleaseFiles(files, resolved, name, now, fromPullSpec);
  for (const unused of rewritten.unreferenced) warnings.push(`no manifest references the old image of ${unused}; only image-references changed for it`);
  const docker = image.mediaType === MediaTypes.dockerManifest;
  const layer = await buildLayer(
    [...rewritten.files].map(([file, text]) => ({ path: `release-manifests/${file}`, content: Buffer.from(text, 'utf8') })),
    { oci: !docker },
  );
  const layers = image.manifest.layers;
  const config = releaseConfig(oldConfig, { name, newDiffId: layer.diffId, layerCount: layers.length, now, pullSpec: fromPullSpec });

  // Base layers: mounted from the source repository on the same registry; streamed across otherwise.
  const sameRegistry = source.registry === target.registry;
  const base: LayerToPush[] = layers.slice(0, -1).map((descriptor) => ({
    descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size },
    ...(sameRegistry ? { mountFrom: [source.repository] } : {}),
    data: streamFrom(registry, source, descriptor, token),
  }));
  const layerType = docker ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip;
  progress(`pushing ${tagPullSpec}...`);
  const pushed = await pushImage(
    registry,
    target.registry,
    target.repository,
    tag,
    { config, format: docker ? 'docker' : 'oci', layers: [...base, { descriptor: { mediaType: layerType, digest: layer.digest, size: layer.size }, diffId: layer.diffId, data: layer.data }] },
    token,
  );
  progress('');
  const baseDigests = new Set(base.map((l) => l.descriptor.digest));
  const copied = pushed.blobs.filter((b) => b.how === 'uploaded' && baseDigests.has(b.digest));
  if (copied.length) {
    const why = sameRegistry ? `${target.registry} did not mount them from ${source.repository}` : `the target registry ${target.registry} is not the source registry ${source.registry}`;
    warnings.push(`${copied.length} base layer${copied.length === 1 ? ' was' : 's were'} copied (streamed, not stored) because ${why}`);
  }
  logger.debug(`release new: ${pushed.blobs.map((b) => `${b.digest} ${b.how}`).join(', ')}`);
  return {
    pullSpec: digestPullspec(target, pushed.digest),
    digest: pushed.digest,
    tagPullSpec,
    name,
    from: fromPullSpec,
    replaced: resolved.map((r) => ({ name: r.name, from: r.from, to: r.to })),
    manifestsChanged: rewritten.changed,
    uploadedBytes: pushed.blobs.filter((b) => b.how === 'uploaded').reduce((sum, b) => sum + b.size, 0) + pushed.bytes.length,
    mountedBlobs: pushed.blobs.filter((b) => b.how === 'mounted').length,
    existingBlobs: pushed.blobs.filter((b) => b.how === 'exists' && baseDigests.has(b.digest)).length,
    copiedBlobs: copied.length,
    copiedBytes: copied.reduce((sum, b) => sum + b.size, 0),
    layer: { digest: layer.digest, size: layer.size },
    warnings,
  };
}

/** The target tag must not exist yet: a manifest HEAD (no GET counted against a pull limit), 404 means free. */
async function assertTagFree(registry: RegistryClient, target: Pullspec, tag: string, tagPullSpec: string, token?: CancellationTokenLike): Promise<void> {
  try {
    await registry.headManifest(target.registry, target.repository, tag, token);
  } catch (err) {
    if (err instanceof OkdError && err.kind === 'not-found') return;
    throw err;
  }
  throw new OkdError('conflict', `${tagPullSpec} already exists`, 'pass --force to replace it, or choose another tag with --to-image');
}

async function resolveReplacement(
  registry: RegistryClient,
  replacement: ComponentReplacement,
  oldPullSpec: string,
  platform: Platform,
  token?: CancellationTokenLike,
): Promise<ResolvedReplacement> {
  const ref = parsePullspec(replacement.image);
  try {
    const image = await registry.resolveImage(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest', { platform }, token);
    const config = JSON.parse((await registry.readBlob(ref.registry, ref.repository, image.manifest.config, token)).toString('utf8')) as ImageConfig;
    // An index is pinned by its own digest, like the pullspec the user gave; labels come from the platform's image.
    return { name: replacement.name, from: oldPullSpec, to: digestPullspec(ref, image.listDigest ?? image.digest), labels: config.config?.Labels ?? {} };
  } catch (err) {
    if (err instanceof OkdError) {
      throw new OkdError(err.kind, `image ${replacement.image} for ${replacement.name} cannot be pulled: ${err.message}`, err.hint, { cause: err });
    }
    throw err;
  }
}

/** Opens the blob in the source repository on demand, as a stream (no disk): for copies across registries. */
function streamFrom(registry: RegistryClient, source: Pullspec, descriptor: Descriptor, token?: CancellationTokenLike): () => Readable {
  return () => {
    const pass = new PassThrough();
    registry.openBlob(source.registry, source.repository, descriptor, token).then(
      (stream) => pipeline(stream, pass, () => undefined),
      (err: unknown) => pass.destroy(err as Error),
    );
    return pass;
  };
}

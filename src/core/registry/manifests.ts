import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { RegistryContext } from './context';
import { assertSupportedDigest, isDigest, sha256Digest } from './digest';
import { repoRef, unexpectedResponse } from './response-errors';
import {
  type ImageIndex,
  type ImageManifest,
  MediaTypes,
  type Platform,
  formatPlatform,
  isImageManifestMediaType,
  isIndexMediaType,
  manifestMediaTypes,
  platformMatches,
} from './types';

export interface FetchedManifest {
  /** sha256 of `bytes`, always computed here. */
  digest: string;
  mediaType: string;
  bytes: Buffer;
  json: ImageManifest | ImageIndex;
}

export interface ResolvedImage {
  /** The digest of the image manifest for the platform. */
  digest: string;
  /** The digest of the index or manifest list the reference named, when it named one. */
  listDigest?: string;
  mediaType: string;
  manifest: ImageManifest;
  /** The platforms the index offers, when the reference named an index. */
  platforms?: Platform[];
}

const tagPattern = /^[\w][\w.-]{0,127}$/;
const maxManifestBytes = 4 * 1024 * 1024;

export function checkReference(reference: string): void {
  if (isDigest(reference)) assertSupportedDigest(reference, 'the reference');
  else if (!tagPattern.test(reference)) throw new OkdError('invalid-input', `"${reference}" is neither a tag nor a digest`);
}

/** The media type a manifest says it has: the Content-Type, else its own `mediaType`, else its shape. */
function manifestMediaType(contentType: string | null, json: { mediaType?: unknown; manifests?: unknown; config?: unknown }): string {
  const ct = contentType?.split(';')[0]?.trim();
  if (ct && (isIndexMediaType(ct) || isImageManifestMediaType(ct) || ct.includes('manifest.v1'))) return ct;
  if (typeof json.mediaType === 'string' && json.mediaType) return json.mediaType;
  if (Array.isArray(json.manifests)) return MediaTypes.ociIndex;
  if (json.config) return MediaTypes.ociManifest;
  return ct ?? 'application/octet-stream';
}

export async function getManifest(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  reference: string,
  token?: CancellationTokenLike,
): Promise<FetchedManifest> {
  checkReference(reference);
  const where = repoRef(registry, repository);
  const byDigest = isDigest(reference);
  const res = await ctx.auth.request(
    {
      method: 'GET',
      registry,
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { Accept: manifestMediaTypes.join(', ') },
      ...(token ? { token } : {}),
    },
    { repository, actions: 'pull' },
  );
  if (res.status !== 200) {
    throw await unexpectedResponse(res, registry, repository, { kind: byDigest ? 'manifest' : 'tag', name: reference, action: 'GET manifest' });
  }
  const tooLarge = (bytes: number, atLeast: boolean) =>
    new OkdError('unsupported', `manifest ${reference} in ${where} is ${atLeast ? 'more than ' : ''}${bytes} bytes, more than a manifest can be (${maxManifestBytes} bytes)`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxManifestBytes) {
    await res.discard();
    throw tooLarge(declared, false);
  }
  const headerDigest = res.headers.get('docker-content-digest');
  const contentType = res.headers.get('content-type');
  // Content-Length may be absent (chunked) or wrong: the cap holds while reading too.
  const bytes = await res.buffer({ bytes: maxManifestBytes, error: () => tooLarge(maxManifestBytes, true) });
  const digest = sha256Digest(bytes);
  const expected = byDigest ? reference : headerDigest?.startsWith('sha256:') ? headerDigest : undefined;
  if (expected && expected !== digest) {
    throw new OkdError(
      'integrity',
      `manifest ${reference} from ${where} does not match its digest ${expected} (got ${digest})`,
      'the registry or a proxy served corrupted data; retry',
    );
  }
  let json: ImageManifest | ImageIndex;
  try {
    json = JSON.parse(bytes.toString('utf8')) as ImageManifest | ImageIndex;
  } catch {
    throw new OkdError('failed', `manifest ${reference} from ${where} is not JSON`);
  }
  const mediaType = manifestMediaType(contentType, json as never);
  if (!isIndexMediaType(mediaType) && !isImageManifestMediaType(mediaType)) {
    throw new OkdError('unsupported', `manifest ${reference} in ${where} has media type ${mediaType}, which is not supported`, 'push the image again with a current tool (OCI or Docker schema 2)');
  }
  return { digest, mediaType, bytes, json };
}

export const defaultPlatform: Platform = { os: 'linux', architecture: 'amd64' };

/** Reads a manifest and, when it is an index or manifest list, the platform's image manifest. */
export async function resolveImage(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  reference: string,
  options: { platform?: Platform } = {},
  token?: CancellationTokenLike,
): Promise<ResolvedImage> {
  const top = await getManifest(ctx, registry, repository, reference, token);
  if (!isIndexMediaType(top.mediaType)) {
    return { digest: top.digest, mediaType: top.mediaType, manifest: top.json as ImageManifest };
  }
  const index = top.json as ImageIndex;
  const manifests = Array.isArray(index.manifests) ? index.manifests : [];
  const wanted = options.platform ?? defaultPlatform;
  const platforms = manifests.flatMap((m) => (m.platform ? [m.platform] : []));
  const entry = manifests.find((m) => isImageManifestMediaType(m.mediaType) && platformMatches(wanted, m.platform));
  if (!entry) {
    const offered = platforms.length ? platforms.map(formatPlatform).join(', ') : 'none';
    throw new OkdError(
      'not-found',
      `${repoRef(registry, repository)}:${reference} has no image for ${formatPlatform(wanted)} (it offers ${offered})`,
      'choose one of the offered platforms with --platform',
    );
  }
  const image = await getManifest(ctx, registry, repository, entry.digest, token);
  if (!isImageManifestMediaType(image.mediaType)) {
    throw new OkdError('unsupported', `the ${formatPlatform(wanted)} entry of ${repoRef(registry, repository)}:${reference} is not an image manifest`);
  }
  return { digest: image.digest, listDigest: top.digest, mediaType: image.mediaType, manifest: image.json as ImageManifest, platforms };
}

/** PUTs a manifest under a tag or its digest; returns its digest after checking the registry computed the same. */
export async function putManifest(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
  token?: CancellationTokenLike,
): Promise<string> {
  checkReference(reference);
  const digest = sha256Digest(bytes);
  if (isDigest(reference) && reference !== digest) {
    throw new OkdError('invalid-input', `manifest bytes have digest ${digest}, not the ${reference} they are pushed as`);
  }
  const res = await ctx.auth.request(
    {
      method: 'PUT',
      registry,
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
      body: bytes,
      idempotent: true,
      ...(token ? { token } : {}),
    },
    { repository, actions: 'pull,push' },
  );
  if (res.status !== 201 && res.status !== 200) {
    throw await unexpectedResponse(res, registry, repository, { kind: 'manifest', name: reference, action: 'PUT manifest' });
  }
  const answered = res.headers.get('docker-content-digest');
  await res.discard();
  if (answered && answered !== digest) {
    throw new OkdError('integrity', `registry ${registry} stored manifest ${reference} in ${repoRef(registry, repository)} as ${answered}, not ${digest}`);
  }
  return digest;
}

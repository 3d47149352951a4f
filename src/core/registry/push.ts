import type { Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { AccessScope } from './auth';
import { blobExists } from './blobs';
import type { RegistryContext } from './context';
import { assertSupportedDigest, integrityError } from './digest';
import type { RegistryResponse } from './response';
import { repoRef, unexpectedResponse } from './response-errors';
import { type ChunkLimits, chunkLimits, chunkSizeFor, sendChunks, uploadLocation, uploadTarget } from './upload';

export interface BlobUpload {
  digest: string;
  size: number;
  /** The bytes, or a function opening them (called again when a request is retried). */
  data: Buffer | (() => Readable);
}

export interface PushBlobOptions {
  /** Repositories on the same registry that may already hold the blob: tried with a cross-repository mount. */
  mountFrom?: string[];
  /** Blobs larger than this go up in PATCH chunks of this size, within the registry's OCI-Chunk-Min/Max-Length. Default 16 MiB. */
  chunkSize?: number;
  /** Upload in chunks even when the blob is small. */
  chunked?: boolean;
}

export interface PushedBlob {
  digest: string;
  size: number;
  how: 'exists' | 'mounted' | 'uploaded';
}

const defaultChunkSize = 16 * 1024 * 1024;

/** Mounts a registry refused (token scope filtered, 403), per client: the next blob from there is uploaded at once. */
const refusedMounts = new WeakMap<RegistryContext, Set<string>>();

/**
 * A cross-repository mount. Undefined when the registry refused it outright: token servers grant only the scopes a
 * user has (a 401 `insufficient_scope` for the source's pull) and some registries answer 403; a plain upload follows.
 */
async function tryMount(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  digest: string,
  from: string,
  token?: CancellationTokenLike,
): Promise<RegistryResponse | undefined> {
  const refused = refusedMounts.get(ctx) ?? new Set<string>();
  refusedMounts.set(ctx, refused);
  const key = `${registry}|${from}|${repository}`;
  if (refused.has(key)) return undefined;
  const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  try {
    return await ctx.auth.request(
      { method: 'POST', registry, url: `/v2/${repository}/blobs/uploads/?${query}`, headers: { 'Content-Length': '0' }, ...(token ? { token } : {}) },
      { repository, actions: 'pull,push', extra: [`repository:${from}:pull`] },
    );
  } catch (err) {
    if (!(err instanceof OkdError) || (err.kind !== 'forbidden' && err.kind !== 'unauthorized')) throw err;
    ctx.logger.debug(`registry ${registry}: mounting from ${from} into ${repository} refused (${err.message}); uploading instead`);
    refused.add(key);
    return undefined;
  }
}

export async function pushBlob(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  blob: BlobUpload,
  options: PushBlobOptions = {},
  token?: CancellationTokenLike,
): Promise<PushedBlob> {
  assertSupportedDigest(blob.digest, 'the blob to push');
  const scope: AccessScope = { repository, actions: 'pull,push' };
  const t = token ? { token } : {};
  if (await blobExists(ctx, registry, repository, blob.digest, token, 'pull,push')) {
    return { digest: blob.digest, size: blob.size, how: 'exists' };
  }
  let upload: URL | undefined;
  let limits: ChunkLimits = {};
  for (const from of (options.mountFrom ?? []).filter((f) => f !== repository)) {
    if (upload) {
      // Not mountable from the last source: drop that upload session and try the next one.
      const del = await ctx.auth.request({ method: 'DELETE', registry, url: uploadTarget(ctx, registry, upload), ...t }, scope);
      await del.discard();
      upload = undefined;
    }
    const res = await tryMount(ctx, registry, repository, blob.digest, from, token);
    if (!res) continue;
    if (res.status === 201) {
      await res.discard();
      ctx.logger.debug(`registry ${registry}: mounted ${blob.digest} from ${from} into ${repository}`);
      return { digest: blob.digest, size: blob.size, how: 'mounted' };
    }
    if (res.status !== 202) throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: 'mount a blob' });
    upload = uploadLocation(res, registry, repository);
    limits = chunkLimits(res);
    await res.discard();
  }
  if (!upload) ({ upload, limits } = await startUpload(ctx, registry, repository, token));
  const chunkSize = chunkSizeFor(ctx, registry, options.chunkSize ?? defaultChunkSize, limits);
  if (options.chunked || blob.size > chunkSize) {
    const restart = async () => (await startUpload(ctx, registry, repository, token)).upload;
    upload = await sendChunks(ctx, { registry, repository, digest: blob.digest, size: blob.size, data: blob.data, chunkSize, restart }, upload, token);
    await finish(ctx, registry, repository, blob, upload, undefined, token);
  } else {
    await finish(ctx, registry, repository, blob, upload, blob.data, token);
  }
  return { digest: blob.digest, size: blob.size, how: 'uploaded' };
}

/** `POST /v2/<name>/blobs/uploads/`: a new upload session and the chunk sizes the registry takes. */
async function startUpload(ctx: RegistryContext, registry: string, repository: string, token?: CancellationTokenLike): Promise<{ upload: URL; limits: ChunkLimits }> {
  const res = await ctx.auth.request(
    { method: 'POST', registry, url: `/v2/${repository}/blobs/uploads/`, headers: { 'Content-Length': '0' }, ...(token ? { token } : {}) },
    { repository, actions: 'pull,push' },
  );
  if (res.status !== 202) throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: 'start a blob upload' });
  const upload = uploadLocation(res, registry, repository);
  const limits = chunkLimits(res);
  await res.discard();
  return { upload, limits };
}

/** The closing PUT `?digest=`, with the whole blob (monolithic) or nothing (after chunks). */
async function finish(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  blob: BlobUpload,
  upload: URL,
  data: BlobUpload['data'] | undefined,
  token?: CancellationTokenLike,
): Promise<void> {
  const url = new URL(upload);
  url.searchParams.set('digest', blob.digest);
  const res = await ctx.auth.request(
    {
      method: 'PUT',
      registry,
      url: uploadTarget(ctx, registry, url),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data ? blob.size : 0) },
      body: data ?? Buffer.alloc(0),
      idempotent: true,
      ...(token ? { token } : {}),
    },
    { repository, actions: 'pull,push' },
  );
  if (res.status !== 201) throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: `PUT blob ${blob.digest}` });
  const answered = res.headers.get('docker-content-digest');
  await res.discard();
  if (answered && answered !== blob.digest) throw integrityError(blob.digest, repoRef(registry, repository), answered);
}

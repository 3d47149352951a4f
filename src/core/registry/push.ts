import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { AccessScope } from './auth';
import { blobExists } from './blobs';
import type { RegistryContext } from './context';
import { assertSupportedDigest, integrityError, sizeError } from './digest';
import type { RegistryResponse } from './response';
import { repoRef, unexpectedResponse } from './response-errors';

export interface BlobUpload {
  digest: string;
  size: number;
  /** The bytes, or a function opening them (called again when a request is retried). */
  data: Buffer | (() => Readable);
}

export interface PushBlobOptions {
  /** Repositories on the same registry that may already hold the blob: tried with a cross-repository mount. */
  mountFrom?: string[];
  /** Blobs larger than this go up in PATCH chunks of this size. Default 16 MiB. */
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

/** A Location header as something the transport can send to: a path on the registry when it is same-origin. */
function location(res: RegistryResponse, registry: string, repository: string): URL {
  const value = res.headers.get('location');
  if (!value) throw new OkdError('failed', `registry ${registry} started an upload to ${repoRef(registry, repository)} without a Location`);
  return new URL(value, res.url);
}

function target(url: URL, base: string): string {
  return url.origin === new URL(base).origin ? url.pathname + url.search : url.toString();
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
  const sources = (options.mountFrom ?? []).filter((from) => from !== repository);
  for (const [i, from] of sources.entries()) {
    const query = `mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`;
    const res = await ctx.auth.request(
      { method: 'POST', registry, url: `/v2/${repository}/blobs/uploads/?${query}`, headers: { 'Content-Length': '0' }, ...t },
      { ...scope, extra: [`repository:${from}:pull`] },
    );
    if (res.status === 201) {
      await res.discard();
      ctx.logger.debug(`registry ${registry}: mounted ${blob.digest} from ${from} into ${repository}`);
      return { digest: blob.digest, size: blob.size, how: 'mounted' };
    }
    if (res.status !== 202) throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: 'mount a blob' });
    upload = location(res, registry, repository);
    await res.discard();
    if (i < sources.length - 1) {
      // Not mountable from there: drop this upload session and try the next source.
      const del = await ctx.auth.request({ method: 'DELETE', registry, url: target(upload, ctx.transport.baseUrl(registry)), ...t }, scope);
      await del.discard();
      upload = undefined;
    }
  }
  if (!upload) {
    const res = await ctx.auth.request(
      { method: 'POST', registry, url: `/v2/${repository}/blobs/uploads/`, headers: { 'Content-Length': '0' }, ...t },
      scope,
    );
    if (res.status !== 202) throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: 'start a blob upload' });
    upload = location(res, registry, repository);
    await res.discard();
  }
  const chunkSize = options.chunkSize ?? defaultChunkSize;
  if (options.chunked || blob.size > chunkSize) {
    upload = await sendChunks(ctx, registry, repository, blob, upload, chunkSize, token);
    await finish(ctx, registry, repository, blob, upload, undefined, token);
  } else {
    await finish(ctx, registry, repository, blob, upload, blob.data, token);
  }
  return { digest: blob.digest, size: blob.size, how: 'uploaded' };
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
      url: target(url, ctx.transport.baseUrl(registry)),
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

async function* chunksOf(data: BlobUpload['data'], chunkSize: number): AsyncIterable<Buffer> {
  if (Buffer.isBuffer(data)) {
    for (let off = 0; off < data.length; off += chunkSize) yield data.subarray(off, off + chunkSize);
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of data()) {
    let buf = typeof piece === 'string' ? Buffer.from(piece) : (piece as Buffer);
    while (buf.length > 0) {
      const take = Math.min(buf.length, chunkSize - pendingBytes);
      pending.push(buf.subarray(0, take));
      pendingBytes += take;
      buf = buf.subarray(take);
      if (pendingBytes === chunkSize) {
        yield Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

/** PATCHes the blob in chunks with Content-Range, following the Location the registry answers each time. */
async function sendChunks(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  blob: BlobUpload,
  start: URL,
  chunkSize: number,
  token?: CancellationTokenLike,
): Promise<URL> {
  let upload = start;
  let offset = 0;
  const hash = createHash('sha256');
  for await (const chunk of chunksOf(blob.data, chunkSize)) {
    if (offset + chunk.length > blob.size) throw sizeError(blob.digest, 'the data to push', blob.size, offset + chunk.length);
    hash.update(chunk);
    const res = await ctx.auth.request(
      {
        method: 'PATCH',
        registry,
        url: target(upload, ctx.transport.baseUrl(registry)),
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(chunk.length),
          'Content-Range': `${offset}-${offset + chunk.length - 1}`,
        },
        body: chunk,
        ...(token ? { token } : {}),
      },
      { repository, actions: 'pull,push' },
    );
    if (res.status !== 202) throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: `PATCH blob ${blob.digest}` });
    upload = location(res, registry, repository);
    await res.discard();
    offset += chunk.length;
  }
  if (offset !== blob.size) throw sizeError(blob.digest, 'the data to push', blob.size, offset);
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== blob.digest) throw integrityError(blob.digest, 'the data to push', got);
  return upload;
}

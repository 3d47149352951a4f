import type { Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { RegistryContext } from './context';
import type { RegistryResponse } from './response';
import { readErrorCodes, repoRef, unexpectedResponse } from './response-errors';
import { UploadSource } from './upload-source';

/** What the upload POST said about PATCH sizes (OCI distribution spec 1.1; Max is the proposed counterpart). */
export interface ChunkLimits {
  min?: number;
  max?: number;
}

export interface ChunkedUpload {
  registry: string;
  repository: string;
  digest: string;
  size: number;
  data: Buffer | (() => Readable);
  chunkSize: number;
  /** Starts a new upload session, for when the registry has forgotten this one (distribution's signed state). */
  restart: () => Promise<URL>;
}

/** Below this a 416 is not taken as "chunk too large" any more. */
const smallestChunk = 64 * 1024;
/** Failed PATCHes resumed per blob before giving up. */
const maxResumes = 5;

/** Chunk sizes learned from 416s, per client and registry, so the next blob starts at a size that is accepted. */
const learned = new WeakMap<RegistryContext, Map<string, number>>();

function positiveHeader(res: RegistryResponse, name: string): number | undefined {
  const n = Number(res.headers.get(name) ?? '');
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function chunkLimits(res: RegistryResponse): ChunkLimits {
  const min = positiveHeader(res, 'oci-chunk-min-length');
  const max = positiveHeader(res, 'oci-chunk-max-length');
  return { ...(min ? { min } : {}), ...(max ? { max } : {}) };
}

/** The PATCH size to use: the preferred one within the registry's limits and what a 416 taught us. */
export function chunkSizeFor(ctx: RegistryContext, registry: string, preferred: number, limits: ChunkLimits): number {
  let size = Math.min(preferred, learned.get(ctx)?.get(registry) ?? Infinity, limits.max ?? Infinity);
  if (limits.min && size < limits.min) size = Math.min(limits.min, limits.max ?? Infinity);
  return Math.max(1, size);
}

/**
 * The next offset from an upload's `Range: 0-<end>` (inclusive end). distribution answers `0-0` for an empty
 * upload as well as for one byte; `known` (bytes the registry acknowledged before) tells them apart.
 */
export function rangeOffset(header: string | null, known: number): number | undefined {
  const m = /^(?:bytes=)?0-(\d+)$/.exec(header?.trim() ?? '');
  if (!m) return undefined;
  const end = Number(m[1]);
  return end === 0 && known === 0 ? 0 : end + 1;
}

export function uploadLocation(res: RegistryResponse, registry: string, repository: string): URL {
  const value = res.headers.get('location');
  if (!value) throw new OkdError('failed', `registry ${registry} answered an upload to ${repoRef(registry, repository)} without a Location`);
  return new URL(value, res.url);
}

/** A URL the transport can send to: a path on the registry when same-origin (so it gets the registry's auth). */
export function uploadTarget(ctx: RegistryContext, registry: string, url: URL): string {
  return url.origin === new URL(ctx.transport.baseUrl(registry)).origin ? url.pathname + url.search : url.toString();
}

/**
 * PATCHes a blob in chunks with Content-Range, following each Location. A PATCH that fails (connection lost, 5xx)
 * is resumed from where the upload stands (`GET` on it answers `Range: 0-<end>`); a 416 at the offset we sent is
 * the registry refusing the chunk's size, so chunks are halved and the size remembered for this registry.
 */
export async function sendChunks(ctx: RegistryContext, blob: ChunkedUpload, start: URL, token?: CancellationTokenLike): Promise<URL> {
  const { registry, repository } = blob;
  const source = new UploadSource(blob.data, blob.digest, blob.size);
  const t = token ? { token } : {};
  let upload = start;
  let offset = 0;
  let chunkSize = blob.chunkSize;
  let resumes = 0;
  const resume = async (why: string): Promise<void> => {
    if (++resumes > maxResumes) throw new OkdError('failed', `the upload of blob ${blob.digest} to ${repoRef(registry, repository)} failed ${resumes} times (${why})`, 'retry the push');
    const status = await uploadStatus(ctx, registry, repository, upload, offset, token);
    if (!status) {
      // distribution signs the offset into each Location: after a lost answer, the last one we hold is refused.
      ctx.logger.debug(`registry ${registry}: ${why}; the registry no longer knows the upload of ${blob.digest}, starting it again`);
      upload = await blob.restart();
      offset = 0;
      return;
    }
    ctx.logger.debug(`registry ${registry}: ${why}; the upload of ${blob.digest} stands at ${status.offset} of ${blob.size} bytes, resuming there`);
    upload = status.upload;
    offset = status.offset;
  };
  try {
    while (offset < blob.size) {
      const chunk = await source.read(offset, chunkSize);
      let res: RegistryResponse;
      try {
        res = await ctx.auth.request(
          {
            method: 'PATCH',
            registry,
            url: uploadTarget(ctx, registry, upload),
            headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(chunk.length), 'Content-Range': `${offset}-${offset + chunk.length - 1}` },
            body: chunk,
            ...t,
          },
          { repository, actions: 'pull,push' },
        );
      } catch (err) {
        if (!(err instanceof OkdError) || err.kind !== 'unreachable') throw err;
        await resume(`PATCH failed: ${err.message}`);
        continue;
      }
      if (res.status === 202) {
        upload = uploadLocation(res, registry, repository);
        await res.discard();
        offset += chunk.length;
        continue;
      }
      if (res.status === 416) {
        await res.discard();
        const sentAt = offset;
        await resume(`PATCH of ${chunk.length} bytes answered 416`);
        if (offset === sentAt) {
          // In order and still refused: the chunk is too large for this registry.
          if (chunkSize <= smallestChunk) throw new OkdError('failed', `registry ${registry} refused chunks of ${chunkSize} bytes for ${repoRef(registry, repository)} (416)`, 'retry the push; if it keeps failing, the registry does not take chunked uploads');
          chunkSize = Math.max(smallestChunk, Math.floor(chunkSize / 2));
          const known = learned.get(ctx) ?? new Map<string, number>();
          known.set(registry, chunkSize);
          learned.set(ctx, known);
        }
        continue;
      }
      if (res.status >= 500) {
        await res.discard();
        await resume(`PATCH answered ${res.status}`);
        continue;
      }
      throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: `PATCH blob ${blob.digest}` });
    }
    source.verify();
  } finally {
    source.close();
  }
  return upload;
}

/**
 * Where an upload stands: `GET <location>` answers 204 with `Range: 0-<end>` and the Location to go on with;
 * undefined when the registry does not know the upload (any more).
 */
async function uploadStatus(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  upload: URL,
  known: number,
  token?: CancellationTokenLike,
): Promise<{ upload: URL; offset: number } | undefined> {
  const res = await ctx.auth.request(
    { method: 'GET', registry, url: uploadTarget(ctx, registry, upload), ...(token ? { token } : {}) },
    { repository, actions: 'pull,push' },
  );
  if (res.status === 404 || res.status === 400) {
    const { codes } = await readErrorCodes(res);
    if (res.status === 404 || codes.includes('BLOB_UPLOAD_UNKNOWN') || codes.includes('BLOB_UPLOAD_INVALID')) return undefined;
    throw new OkdError('failed', `registry ${registry} answered 400 to reading the state of an upload to ${repoRef(registry, repository)}: ${codes.join(', ') || 'no detail'}`);
  }
  if (res.status !== 204 && res.status !== 202 && res.status !== 200) {
    throw await unexpectedResponse(res, registry, repository, { kind: 'upload', action: 'read the state of a blob upload' });
  }
  const offset = rangeOffset(res.headers.get('range'), known);
  const next = res.headers.get('location') ? uploadLocation(res, registry, repository) : upload;
  await res.discard();
  if (offset === undefined) {
    throw new OkdError('failed', `registry ${registry} did not say how much of an upload to ${repoRef(registry, repository)} it has (no Range)`, 'retry the push');
  }
  return { upload: next, offset };
}

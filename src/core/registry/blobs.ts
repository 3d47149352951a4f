import { type Readable, pipeline } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import type { RegistryContext } from './context';
import { OkdError } from '../errors';
import { VerifyingStream, assertSupportedDigest, sizeError, verifyBuffer } from './digest';
import { repoRef, unexpectedResponse } from './response-errors';
import { type RegistryResponse, StalledError } from './response';
import { describeNetworkError, isRetryableNetworkError } from './retry';

/** The part of a descriptor a blob read needs. */
export interface BlobRef {
  digest: string;
  size?: number;
}

async function getBlob(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  blob: BlobRef,
  token?: CancellationTokenLike,
): Promise<RegistryResponse> {
  assertSupportedDigest(blob.digest, `a blob in ${repoRef(registry, repository)}`);
  // Registries answer with a redirect to their storage; the transport follows it (dropping Authorization cross-origin).
  const res = await ctx.auth.request(
    { method: 'GET', registry, url: `/v2/${repository}/blobs/${blob.digest}`, ...(token ? { token } : {}) },
    { repository, actions: 'pull' },
  );
  if (res.status !== 200) {
    throw await unexpectedResponse(res, registry, repository, { kind: 'blob', name: blob.digest, action: 'GET blob' });
  }
  return res;
}

/** The most a blob without a known size may be to be read into memory; larger ones need their size, or openBlob. */
export const maxUnsizedBlobBytes = 64 * 1024 * 1024;

/** Reads of a blob body that failed midway (stalled, reset) tried again before giving up. */
const maxBodyAttempts = 3;

/**
 * Reads a whole blob into memory, verified against the descriptor's digest and size. For configs and small layers:
 * reading stops past the descriptor's size, or past 64 MiB when the size is not given.
 */
export async function readBlob(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  blob: BlobRef,
  token?: CancellationTokenLike,
): Promise<Buffer> {
  const source = repoRef(registry, repository);
  const sized = typeof blob.size === 'number';
  for (let attempt = 1; ; attempt++) {
    const res = await getBlob(ctx, registry, repository, blob, token);
    let data: Buffer;
    try {
      data = await res.buffer({
        bytes: sized ? (blob.size as number) : maxUnsizedBlobBytes,
        error: (received) =>
          sized
            ? sizeError(blob.digest, source, blob.size as number, received)
            : new OkdError(
                'unsupported',
                `blob ${blob.digest} from ${source} is more than ${maxUnsizedBlobBytes} bytes, the most read into memory for a blob without a known size`,
                'pass the blob\'s size from its descriptor, or stream it',
              ),
      });
    } catch (err) {
      if (err instanceof OkdError) throw err;
      // The body stopped (stalled link, connection reset): a GET is safe to send again.
      const why = err instanceof StalledError ? err.message : describeNetworkError(err);
      if (attempt < maxBodyAttempts && isRetryableNetworkError(err) && !token?.isCancellationRequested) {
        ctx.logger.debug(`registry ${registry}: blob ${blob.digest} of ${source} failed while reading (${why}); reading it again`);
        ctx.transport.stats.retries++;
        continue;
      }
      throw new OkdError('unreachable', `registry ${registry} stopped sending blob ${blob.digest} of ${source}: ${why} (${attempt} attempt${attempt === 1 ? '' : 's'})`, 'check the network to the registry (proxy, VPN), then retry', { cause: err });
    }
    verifyBuffer(data, blob.digest, blob.size, source);
    return data;
  }
}

/**
 * A stream of a blob that verifies size and sha256 as it goes: on a mismatch it emits an OkdError('integrity')
 * instead of 'end'. Network errors mid-body are emitted as errors too.
 */
export async function openBlob(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  blob: BlobRef,
  token?: CancellationTokenLike,
): Promise<Readable> {
  const res = await getBlob(ctx, registry, repository, blob, token);
  const verifier = new VerifyingStream(blob.digest, blob.size, repoRef(registry, repository));
  pipeline(res.stream(), verifier, () => undefined);
  return verifier;
}

export async function blobExists(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  digest: string,
  token?: CancellationTokenLike,
  actions: 'pull' | 'pull,push' = 'pull',
): Promise<boolean> {
  assertSupportedDigest(digest, `a blob in ${repoRef(registry, repository)}`);
  const res = await ctx.auth.request(
    { method: 'HEAD', registry, url: `/v2/${repository}/blobs/${digest}`, ...(token ? { token } : {}) },
    { repository, actions },
  );
  if (res.status === 200 || res.status === 404) {
    await res.discard();
    return res.status === 200;
  }
  throw await unexpectedResponse(res, registry, repository, { kind: 'blob', name: digest, action: 'HEAD blob' });
}

import type { CancellationTokenLike } from '../cancel';
import type { RegistryContext } from './context';
import { isDigest } from './digest';
import { checkReference, getManifest } from './manifests';
import { unexpectedResponse } from './response-errors';
import { manifestMediaTypes } from './types';

export interface ManifestHead {
  digest: string;
  mediaType?: string;
  size?: number;
  /** How it was learned: a HEAD, or a GET when the HEAD did not say (no Docker-Content-Digest). */
  via: 'HEAD' | 'GET';
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;

/**
 * The digest a tag (or digest) names now, by HEAD with every manifest type accepted: Docker Hub counts manifest
 * GETs against its pull limit, HEADs not. A registry whose HEAD gives no Docker-Content-Digest is asked with a GET
 * (the digest is then computed from the bytes).
 */
export async function headManifest(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  reference: string,
  token?: CancellationTokenLike,
): Promise<ManifestHead> {
  checkReference(reference);
  const res = await ctx.auth.request(
    {
      method: 'HEAD',
      registry,
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { Accept: manifestMediaTypes.join(', ') },
      ...(token ? { token } : {}),
    },
    { repository, actions: 'pull' },
  );
  const kind = isDigest(reference) ? 'manifest' : 'tag';
  if (res.status === 404) throw await unexpectedResponse(res, registry, repository, { kind, name: reference, action: 'HEAD manifest' });
  await res.discard();
  const digest = res.headers.get('docker-content-digest')?.trim();
  if (res.status === 200 && digest && digestPattern.test(digest) && (!isDigest(reference) || digest === reference)) {
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim();
    const size = Number(res.headers.get('content-length') ?? 'NaN');
    return { digest, ...(mediaType ? { mediaType } : {}), ...(Number.isInteger(size) && size > 0 ? { size } : {}), via: 'HEAD' };
  }
  ctx.logger.debug(`registry ${registry}: HEAD of ${repository}:${reference} answered ${res.status} without a usable digest; asking with GET`);
  const got = await getManifest(ctx, registry, repository, reference, token);
  return { digest: got.digest, mediaType: got.mediaType, size: got.bytes.length, via: 'GET' };
}

import { OkdError } from '../errors';
import type { RegistryResponse } from './response';

export interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

/** The `errors[].code` values of a registry error body (distribution spec), e.g. MANIFEST_UNKNOWN. */
export async function readErrorCodes(res: RegistryResponse): Promise<{ codes: string[]; message?: string }> {
  const body = (await res.jsonOrUndefined()) as RegistryErrorBody | undefined;
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const codes = errors.map((e) => String(e.code ?? '')).filter(Boolean);
  const message = errors.map((e) => e.message).filter(Boolean).join('; ') || undefined;
  return message === undefined ? { codes } : { codes, message };
}

/** `127.0.0.1:5000/okd/operator`: how a repository is named in messages. */
export function repoRef(registry: string, repository: string): string {
  return `${registry}/${repository}`;
}

/**
 * The error for an unexpected answer: 404s become 'not-found' naming what is missing, anything else 'failed' with
 * the status and the registry's own words.
 */
export async function unexpectedResponse(
  res: RegistryResponse,
  registry: string,
  repository: string,
  what: { kind: 'tag' | 'manifest' | 'blob' | 'repository' | 'upload'; name?: string; action: string },
): Promise<OkdError> {
  const { codes, message } = await readErrorCodes(res);
  const where = repoRef(registry, repository);
  if (res.status === 404 || codes.includes('NAME_UNKNOWN') || codes.includes('MANIFEST_UNKNOWN') || codes.includes('BLOB_UNKNOWN')) {
    if (codes.includes('NAME_UNKNOWN') || what.kind === 'repository') {
      return new OkdError('not-found', `repository ${where} not found`, 'check the repository name and that you may see it');
    }
    const label = what.kind === 'tag' ? 'tag' : what.kind === 'blob' ? 'blob' : 'manifest';
    return new OkdError('not-found', `${label} ${what.name ?? ''} not found in ${where}`.replace('  ', ' '), `check the ${label} name; \`skopeo list-tags docker://${where}\` lists the tags`);
  }
  if (codes.includes('DIGEST_INVALID') || codes.includes('SIZE_INVALID')) {
    return new OkdError('integrity', `registry ${registry} refused ${what.action} for ${where}: ${message ?? codes.join(', ')}`, 'the content does not match its digest or size');
  }
  if (codes.includes('MANIFEST_INVALID') || codes.includes('MANIFEST_BLOB_UNKNOWN') || codes.includes('BLOB_UNKNOWN')) {
    return new OkdError('invalid-input', `registry ${registry} refused ${what.action} for ${where}: ${message ?? codes.join(', ')}`, 'push every blob the manifest refers to first, and check the manifest');
  }
  if (codes.includes('DENIED')) {
    return new OkdError('forbidden', `registry ${registry} denied ${what.action} for ${where}: ${message ?? 'denied'}`);
  }
  if (codes.includes('UNSUPPORTED') || res.status === 405) {
    return new OkdError('unsupported', `registry ${registry} does not support ${what.action} for ${where}${message ? `: ${message}` : ''}`);
  }
  const detail = message ?? (codes.length ? codes.join(', ') : `HTTP ${res.status}`);
  return new OkdError('failed', `registry ${registry} answered ${res.status} to ${what.action} for ${where}: ${detail}`, res.status >= 500 ? 'the registry is having trouble; retry later' : undefined);
}

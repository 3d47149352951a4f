import { TRANSIENT_NETWORK_CODES } from '../transientCodes';

/**
 * Parses `Retry-After` (delay-seconds or an HTTP date) into milliseconds from `now`; undefined when absent or
 * unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now);
}

/** Exponential backoff with full jitter between half and the whole step: attempt 1 -> ~base, 2 -> ~2*base, ... */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Connection-level failures worth another attempt, by Node/undici error code. */
const retryableCodes = TRANSIENT_NETWORK_CODES;

const tlsProtocolCodes = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** The innermost error code of a fetch failure (`fetch failed` wraps the socket error in `cause`). */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isRetryableNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && retryableCodes.has(code);
}

/** The server does not speak TLS (plain http on that port), or TLS could not be negotiated at all. */
export function isTlsProtocolError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (tlsProtocolCodes.has(code) || /^ERR_SSL_/.test(code));
}

/** The certificate was not accepted (self-signed, unknown CA, wrong name, expired). */
export function isCertificateError(err: unknown): boolean {
  const code = errorCode(err);
  return (
    code !== undefined &&
    (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID')
  );
}

/** Words for a network failure, for a message a user reads. */
export function describeNetworkError(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'ECONNRESET':
      return 'connection reset';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'EPIPE':
      return 'connection closed';
    case 'ENOTFOUND':
      return 'host not found';
    case 'EAI_AGAIN':
      return 'name lookup failed';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'timed out waiting for a response';
    default: {
      const raw = (err as { cause?: { message?: string } })?.cause?.message ?? (err as Error)?.message ?? String(err);
      // OpenSSL messages span lines and carry source paths: keep the reason (`wrong version number`).
      const ssl = raw.match(/SSL routines:[^:]*:([^:\n]+)/);
      const inner = ssl ? (ssl[1] as string).trim() : raw.split('\n')[0]?.trim() ?? raw;
      return code ? `${inner} (${code})` : inner;
    }
  }
}

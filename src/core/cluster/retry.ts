import { type CancellationTokenLike, CancelledError, toAbortSignal } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, redact } from '../log';
import { backoffDelay, errorCode, parseRetryAfter, sleep } from '../registry/retry';
import { statusCodeOf, statusOf } from './errors';
import { TRANSIENT_NETWORK_CODES } from '../transientCodes';

/**
 * How the cluster code waits before trying the API server again: exponential backoff with jitter from `baseMs`,
 * capped at `maxMs`; a Retry-After is honoured up to `maxRetryAfterMs`. Tests pass small delays, or their own
 * `sleep` to see the delays asked for without waiting them.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = { baseMs: 500, maxMs: 8_000, maxRetryAfterMs: 60_000 };

/** What to do after a failed request: try again (after `retryAfterMs` when the server said so), re-list, or give up. */
export type RetryDecision = { action: 'retry'; why: string; retryAfterMs?: number } | { action: 'relist'; why: string } | { action: 'fail' };

const TRANSIENT_CODES = TRANSIENT_NETWORK_CODES;

/** Retry-After of an error: ours (ApiStatusError.retryAfterMs) or client-node's ApiException headers. */
function retryAfterOf(err: unknown): number | undefined {
  const e = err as { retryAfterMs?: unknown; headers?: Record<string, string> };
  if (typeof e?.retryAfterMs === 'number') return e.retryAfterMs;
  const headers = e?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
  return key ? parseRetryAfter(headers[key]) : undefined;
}

/**
 * Sorts a failed request: 429, 5xx, 408 and a dropped or refused connection heal by themselves (retry); 410 Gone
 * means the resourceVersion is too old (re-list); 401, 403, other 4xx, certificate and name errors do not heal.
 */
export function retryDecision(err: unknown): RetryDecision {
  const raw = err instanceof OkdError && err.cause !== undefined ? err.cause : err;
  const code = statusCodeOf(raw);
  if (code !== undefined) {
    const status = statusOf(raw);
    const why = `${code}${status.reason ? ` ${status.reason}` : ''}${status.message ? `: ${status.message}` : ''}`;
    if (code === 410) return { action: 'relist', why };
    if (code === 429 || code === 408 || code >= 500) {
      const retryAfterMs = retryAfterOf(raw);
      return { action: 'retry', why, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { action: 'fail' };
  }
  const net = errorCode(raw);
  if (net && TRANSIENT_CODES.has(net)) return { action: 'retry', why: `${net}${(raw as Error)?.message ? ` (${firstLine((raw as Error).message)})` : ''}` };
  return { action: 'fail' };
}

const firstLine = (text: string) => redact(text.split('\n')[0] ?? text);

/**
 * How many 401/403 answers in a row are taken as "the API server is still starting" when they come right after
 * the connection failed (a restart): a kube-apiserver accepts connections before its authenticator and RBAC
 * caches have synced, and denies until they have. A denial on a healthy connection is never retried.
 */
export const DENIALS_AFTER_RECONNECT = 5;

/** retryDecision, except that a 401/403 while reconnecting is retried up to DENIALS_AFTER_RECONNECT times. */
export function reconnectDecision(err: unknown, reconnecting: boolean, deniedSoFar: number): RetryDecision & { denied?: boolean } {
  const decision = retryDecision(err);
  if (decision.action !== 'fail' || !reconnecting || deniedSoFar >= DENIALS_AFTER_RECONNECT) return decision;
  const raw = err instanceof OkdError && err.cause !== undefined ? err.cause : err;
  const code = statusCodeOf(raw);
  if (code !== 401 && code !== 403) return decision;
  return { action: 'retry', why: `${code} right after reconnecting (the API server may still be starting)`, denied: true };
}

/** The wait before attempt `attempt + 1`: the server's Retry-After when it gave one, else backoff with jitter. */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(attempt, policy.baseMs, policy.maxMs, policy.random);
}

export function waitRetry(policy: RetryPolicy, ms: number, signal: AbortSignal): Promise<void> {
  return (policy.sleep ?? sleep)(ms, signal);
}

export interface RetryReadOptions {
  policy: RetryPolicy;
  logger: Logger;
  /** For the log: `get clusterversions.config.openshift.io "version"`. */
  what: string;
  token?: CancellationTokenLike;
  onRetry?: (why: string, attempt: number, delayMs: number) => void;
}

/**
 * A read (GET, LIST) inside a wait: tried again with backoff while the failure heals by itself (see
 * retryDecision), until it succeeds, fails for good, or the token is cancelled (CancelledError).
 */
export async function retryRead<T>(read: () => Promise<T>, options: RetryReadOptions): Promise<T> {
  const cancel = toAbortSignal(options.token);
  let denied = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      if (cancel.signal.aborted) throw new CancelledError(options.what);
      try {
        return await read();
      } catch (err) {
        if (cancel.signal.aborted) throw new CancelledError(options.what);
        const decision = reconnectDecision(err, attempt > 1, denied);
        if (decision.action !== 'retry') throw err;
        if (decision.denied) denied++;
        const delay = retryDelay(attempt, options.policy, decision.retryAfterMs);
        options.logger.info(`${options.what}: ${decision.why}; trying again in ${delay} ms (attempt ${attempt + 1})`);
        options.onRetry?.(decision.why, attempt, delay);
        await waitRetry(options.policy, delay, cancel.signal);
      }
    }
  } finally {
    cancel.dispose();
  }
}

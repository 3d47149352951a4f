import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { httpRequest, type HttpTlsOptions } from '../http';
import { CancelledError, type CancellationTokenLike, toAbortSignal } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, redact, silentLogger } from '../log';
import { RegistryResponse, type RegistryStats, newStats } from './response';
import {
  backoffDelay,
  describeNetworkError,
  errorCode,
  isCertificateError,
  isRetryableNetworkError,
  isTlsProtocolError,
  parseRetryAfter,
  sleep,
} from './retry';

export interface TransportOptions {
  /** `true`: every registry; a list: those hosts (`host` or `host:port`). Allows plain http and unverified TLS. */
  insecure?: boolean | string[];
  /** A PEM file with an extra CA to trust (added to the system ones). */
  caFile?: string;
  /** Total time for one request including its retries (not for streaming a body). Default 60 s. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** First backoff step; doubles per attempt. Default 250 ms. */
  retryBaseMs?: number;
  logger?: Logger;
}

export type RequestBody = Buffer | (() => Readable);

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The registry as written (`docker.io`, `127.0.0.1:5000`): picks the endpoint, scheme and TLS setting. */
  registry: string;
  /** A path (`/v2/...`) on the registry, or an absolute URL (token realm, upload Location). */
  url: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Whether a retry is safe; GET and HEAD always are, a PUT of content-addressed data is. */
  idempotent?: boolean;
  token?: CancellationTokenLike;
  timeoutMs?: number;
}

const dockerHubEndpoint = 'registry-1.docker.io';

/** The host to connect to for a registry name: Docker Hub's API lives on registry-1.docker.io. */
export function registryEndpoint(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? dockerHubEndpoint : registry;
}

/** Sends registry requests: scheme choice for insecure registries, TLS settings, retries, bounded time, counters. */
export class Transport {
  readonly stats: RegistryStats = newStats();
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly schemes = new Map<string, 'https' | 'http'>();
  private ca?: string[];

  constructor(private readonly options: TransportOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 250;
  }

  isInsecure(host: string): boolean {
    const insecure = this.options.insecure;
    if (insecure === true) return true;
    if (!Array.isArray(insecure)) return false;
    const bare = host.replace(/:\d+$/, '');
    return insecure.some((h) => h === host || h === bare || registryEndpoint(h) === host);
  }

  /** `https://host` or, for an insecure registry that does not speak TLS, `http://host`. */
  baseUrl(registry: string): string {
    return `${this.schemes.get(registry) ?? 'https'}://${registryEndpoint(registry)}`;
  }

  async request(req: TransportRequest): Promise<RegistryResponse> {
    const started = Date.now();
    const budget = req.timeoutMs ?? this.timeoutMs;
    const deadline = started + budget;
    const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'HEAD');
    // Paths only: upload URLs carry long state in their query, token URLs carry scopes.
    const what = `${req.method} ${new URL(req.url, 'http://registry').pathname}`;
    const cancel = toAbortSignal(req.token);
    try {
      return await this.attempt(req, what, started, deadline, budget, idempotent, cancel.signal);
    } finally {
      cancel.dispose();
    }
  }

  private async attempt(
    req: TransportRequest,
    what: string,
    started: number,
    deadline: number,
    budget: number,
    idempotent: boolean,
    cancelled: AbortSignal,
  ): Promise<RegistryResponse> {
    let attempts = 0;
    for (;;) {
      if (req.token?.isCancellationRequested) throw new CancelledError(what);
      const url = req.url.startsWith('/') ? this.baseUrl(req.registry) + req.url : req.url;
      const host = new URL(url).host;
      attempts++;
      try {
        const res = await this.send(url, req, deadline);
        if (req.url.startsWith('/') && !this.schemes.has(req.registry)) this.schemes.set(req.registry, url.startsWith('http:') ? 'http' : 'https');
        const retryable = res.status === 429 || (res.status >= 500 && res.status !== 501 && res.status !== 505);
        if (!retryable || !idempotent || attempts >= this.maxAttempts) return res;
        const wait = parseRetryAfter(res.headers.get('retry-after')) ?? backoffDelay(attempts, this.retryBaseMs, 10_000);
        if (Date.now() + wait > deadline) return res;
        await res.discard();
        this.logger.debug(`registry ${req.registry}: ${what} answered ${res.status}; retrying in ${wait} ms`);
        this.stats.retries++;
        await sleep(wait, cancelled);
        continue;
      } catch (err) {
        if (err instanceof CancelledError || err instanceof OkdError) throw err;
        if (req.token?.isCancellationRequested) throw new CancelledError(what);
        const code = errorCode(err);
        // Another request to the same insecure registry found it speaks plain http while this one tried https.
        if (req.url.startsWith('/') && url.startsWith('https:') && this.schemes.get(req.registry) === 'http') {
          attempts--;
          continue;
        }
        // An insecure registry that is not listening for TLS: fall back to plain http, as oc and skopeo do.
        if (
          req.url.startsWith('/') &&
          url.startsWith('https:') &&
          !this.schemes.has(req.registry) &&
          this.isInsecure(host) &&
          (isTlsProtocolError(err) || code === 'ECONNREFUSED')
        ) {
          this.logger.debug(`registry ${req.registry}: no TLS (${describeNetworkError(err)}); using http`);
          this.schemes.set(req.registry, 'http');
          attempts--;
          continue;
        }
        if (isCertificateError(err)) {
          throw new OkdError(
            'unreachable',
            `the TLS certificate of registry ${req.registry} was not accepted: ${describeNetworkError(err)}`,
            `pass the registry's CA (okd-dev --ca-file, setting okd.registryCaFile), or, on a network you trust, allow it as insecure (okd-dev --insecure, setting okd.insecureRegistries)`,
            { cause: err },
          );
        }
        if (isTlsProtocolError(err)) {
          throw new OkdError(
            'unreachable',
            `registry ${req.registry} did not answer ${what} over TLS: ${describeNetworkError(err)}`,
            `if it serves plain http, allow it as insecure (okd-dev --insecure, setting okd.insecureRegistries)`,
            { cause: err },
          );
        }
        const timedOut = Date.now() >= deadline || code === 'UND_ERR_HEADERS_TIMEOUT' || (err as Error)?.name === 'TimeoutError';
        const retry = idempotent && isRetryableNetworkError(err) && attempts < this.maxAttempts && !timedOut;
        const wait = backoffDelay(attempts, this.retryBaseMs, 10_000);
        if (retry && Date.now() + wait < deadline) {
          this.logger.debug(`registry ${req.registry}: ${what} failed (${describeNetworkError(err)}); retrying in ${wait} ms`);
          this.stats.retries++;
          await sleep(wait, cancelled);
          continue;
        }
        const why = timedOut && !isRetryableNetworkError(err) ? `timed out after ${formatSeconds(budget)}` : describeNetworkError(err);
        throw new OkdError(
          'unreachable',
          `registry ${req.registry} did not answer ${what}: ${why} (${attempts} attempt${attempts === 1 ? '' : 's'} in ${formatSeconds(Date.now() - started)})`,
          'check that the registry is up and reachable from here (proxy, VPN, firewall), then retry',
          { cause: err },
        );
      }
    }
  }

  private async send(url: string, req: TransportRequest, deadline: number): Promise<RegistryResponse> {
    const cancel = toAbortSignal(req.token);
    const controller = new AbortController();
    const onCancel = () => controller.abort(new CancelledError(`${req.method} ${url}`));
    cancel.signal.addEventListener('abort', onCancel, { once: true });
    if (cancel.signal.aborted) onCancel();
    // The deadline bounds the wait for the response head; a body then streams at its own pace.
    const timer = setTimeout(() => {
      const e = new Error('timed out');
      e.name = 'TimeoutError';
      controller.abort(e);
    }, Math.max(1, deadline - Date.now()));
    const release = () => {
      cancel.signal.removeEventListener('abort', onCancel);
      cancel.dispose();
    };
    const headers: Record<string, string> = { 'User-Agent': 'okd-dev', ...req.headers };
    let body: Buffer | Readable | undefined;
    if (Buffer.isBuffer(req.body)) {
      body = req.body;
      this.stats.bytesWritten += req.body.length;
      headers['Content-Length'] ??= String(req.body.length);
    } else if (req.body) {
      body = Readable.from(this.countStream(req.body()));
    }
    this.stats.requests++;
    this.logger.trace(redact(`${req.method} ${url}`));
    try {
      const res = await httpRequest(url, {
        method: req.method,
        headers,
        ...(body ? { body } : {}),
        followRedirects: req.method === 'GET' || req.method === 'HEAD',
        signal: controller.signal,
        tls: this.tlsFor(new URL(url).host),
      });
      clearTimeout(timer);
      return new RegistryResponse(res, this.stats, release);
    } catch (err) {
      clearTimeout(timer);
      release();
      if (controller.signal.reason instanceof CancelledError) throw controller.signal.reason;
      if (controller.signal.reason instanceof Error && controller.signal.reason.name === 'TimeoutError') throw controller.signal.reason;
      throw err;
    }
  }

  private async *countStream(stream: Readable): AsyncIterable<Uint8Array> {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      this.stats.bytesWritten += buf.length;
      yield buf;
    }
  }

  private tlsFor(host: string): HttpTlsOptions {
    if (this.isInsecure(host)) return { rejectUnauthorized: false };
    if (this.options.caFile) this.ca ??= [this.readCa(this.options.caFile)];
    return this.ca ? { ca: this.ca } : {};
  }

  private readCa(file: string): string {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new OkdError('invalid-input', `CA file ${file} cannot be read: ${(err as Error).message}`, 'check the --ca-file path');
    }
  }

  async close(): Promise<void> {
    // Connections are pooled per process (src/core/http.ts) and idle ones do not keep it alive.
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

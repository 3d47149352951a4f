import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { httpRequest, type HttpTlsOptions } from '../http';
import { CancelledError, type CancellationTokenLike, toAbortSignal } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, redact, silentLogger } from '../log';
import type { CertsDirs } from './certsd';
import { singleAttempt } from './attempts';
import { RegistryResponse, type RegistryStats, StalledError, newStats } from './response';
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
  /** registries.conf's `insecure` for a registry host (host[:port]). */
  insecureRegistry?: (hostPort: string) => boolean;
  /** certs.d folders: per-registry CAs (added to the system ones, for that registry only) and client certificates. */
  certsDirs?: CertsDirs;
  /**
   * Total time for one request including its retries, not counting the time spent sending a request body (an upload
   * on a slow link is bounded by `idleTimeoutMs` instead) nor streaming a response body. Default 60 s.
   */
  timeoutMs?: number;
  /** Longest a request or response body may go without a byte moving before it is abandoned. Default 30 s. */
  idleTimeoutMs?: number;
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
  private readonly idleTimeoutMs: number;
  private readonly schemes = new Map<string, 'https' | 'http'>();
  private ca?: string[];
  /** CAs trusted for one registry only (a cluster's ingress CA for its registry route). */
  private readonly registryCa = new Map<string, string>();

  constructor(private readonly options: TransportOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  }

  /** `host` as connected to; `registry` as written (registries.conf and certs.d name registries, not endpoints). */
  isInsecure(host: string, registry?: string): boolean {
    const insecure = this.options.insecure;
    if (insecure === true) return true;
    const byConf = this.options.insecureRegistry;
    if (byConf && (byConf(registry ?? host) || (registry !== undefined && registry !== host && byConf(host)))) return true;
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
    const deadline: Deadline = { at: started + budget };
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
    deadline: Deadline,
    budget: number,
    idempotent: boolean,
    cancelled: AbortSignal,
  ): Promise<RegistryResponse> {
    let attempts = 0;
    // A pull source with others after it is tried once (src/core/registry/mirrors.ts).
    const maxAttempts = singleAttempt.getStore() ? 1 : this.maxAttempts;
    for (;;) {
      if (req.token?.isCancellationRequested) throw new CancelledError(what);
      const url = req.url.startsWith('/') ? this.baseUrl(req.registry) + req.url : req.url;
      const host = new URL(url).host;
      attempts++;
      try {
        const res = await this.send(url, req, deadline);
        if (req.url.startsWith('/') && !this.schemes.has(req.registry)) this.schemes.set(req.registry, url.startsWith('http:') ? 'http' : 'https');
        // A 429 was refused before anything was done, so even a POST or PATCH is safe to send again.
        const retryable = res.status === 429 || (idempotent && res.status >= 500 && res.status !== 501 && res.status !== 505);
        if (!retryable || attempts >= maxAttempts) return res;
        const wait = parseRetryAfter(res.headers.get('retry-after')) ?? backoffDelay(attempts, this.retryBaseMs, 10_000);
        if (Date.now() + wait > deadline.at) return res;
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
          this.isInsecure(host, req.registry) &&
          (isTlsProtocolError(err) || code === 'ECONNREFUSED')
        ) {
          this.logger.debug(`registry ${req.registry}: no TLS (${describeNetworkError(err)}); using http`);
          this.schemes.set(req.registry, 'http');
          attempts--;
          continue;
        }
        if (isClientCertificateAlert(err)) {
          const trust = this.options.certsDirs?.forRegistry(req.registry);
          throw new OkdError(
            'unreachable',
            `registry ${req.registry} refused the TLS connection for its client certificate: ${describeNetworkError(err)}`,
            trust?.cert
              ? `the client certificate in ${trust.dir} was not accepted; check that the registry trusts its issuer and that it has not expired`
              : `put the client certificate and key as NAME.cert and NAME.key in ~/.config/containers/certs.d/${req.registry}/ or /etc/containers/certs.d/${req.registry}/`,
            { cause: err },
          );
        }
        if (isCertificateError(err)) {
          throw new OkdError(
            'unreachable',
            `the TLS certificate of registry ${req.registry} was not accepted: ${describeNetworkError(err)}`,
            `pass the registry's CA (okd-dev --ca-file, setting okd.registryCaFile, or a .crt file in /etc/containers/certs.d/${req.registry}/ or ~/.config/containers/certs.d/${req.registry}/), or, on a network you trust, allow it as insecure (okd-dev --insecure, setting okd.insecureRegistries, insecure = true in registries.conf)`,
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
        const timedOut = Date.now() >= deadline.at || code === 'UND_ERR_HEADERS_TIMEOUT' || (err as Error)?.name === 'TimeoutError';
        const retry = idempotent && isRetryableNetworkError(err) && attempts < maxAttempts && !timedOut;
        const wait = backoffDelay(attempts, this.retryBaseMs, 10_000);
        if (retry && Date.now() + wait < deadline.at) {
          this.logger.debug(`registry ${req.registry}: ${what} failed (${describeNetworkError(err)}); retrying in ${wait} ms`);
          this.stats.retries++;
          await sleep(wait, cancelled);
          continue;
        }
        const why =
          err instanceof StalledError ? err.message : timedOut && !isRetryableNetworkError(err) ? `timed out after ${formatSeconds(budget)}` : describeNetworkError(err);
        throw new OkdError(
          'unreachable',
          `registry ${req.registry} did not answer ${what}: ${why} (${attempts} attempt${attempts === 1 ? '' : 's'} in ${formatSeconds(Date.now() - started)})`,
          'check that the registry is up and reachable from here (proxy, VPN, firewall), then retry',
          { cause: err },
        );
      }
    }
  }

  private async send(url: string, req: TransportRequest, deadline: Deadline): Promise<RegistryResponse> {
    const cancel = toAbortSignal(req.token);
    const controller = new AbortController();
    const onCancel = () => controller.abort(new CancelledError(`${req.method} ${url}`));
    cancel.signal.addEventListener('abort', onCancel, { once: true });
    if (cancel.signal.aborted) onCancel();
    // The deadline bounds the wait for the response head; while a request body is going out, the idle timeout
    // bounds it instead, and the time spent sending is added to the deadline. A response body then streams at its
    // own pace, under the idle timeout (RegistryResponse).
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, error: () => Error) => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(error()), Math.max(1, ms));
    };
    const headTimeout = () => Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    const sendStalled = () => new StalledError(`sent no byte of the request body for ${formatSeconds(this.idleTimeoutMs)}`);
    const release = () => {
      cancel.signal.removeEventListener('abort', onCancel);
      cancel.dispose();
    };
    const headers: Record<string, string> = { 'User-Agent': 'okd-dev', ...req.headers };
    let body: Buffer | Readable | undefined;
    if (Buffer.isBuffer(req.body)) {
      headers['Content-Length'] ??= String(req.body.length);
      // A small body goes out in one write; a large one in pieces, so the idle timeout sees it move.
      if (req.body.length <= slice) {
        body = req.body;
        this.stats.bytesWritten += req.body.length;
      } else body = Readable.from(slices(req.body));
    } else if (req.body) {
      body = Readable.from(req.body());
    }
    if (body && !Buffer.isBuffer(body)) {
      const sendStarted = Date.now();
      const source = body;
      body = Readable.from(
        this.countStream(source, {
          progress: () => arm(this.idleTimeoutMs, sendStalled),
          done: () => {
            deadline.at += Date.now() - sendStarted;
            arm(deadline.at - Date.now(), headTimeout);
          },
        }),
      );
      arm(this.idleTimeoutMs, sendStalled);
    } else {
      arm(deadline.at - Date.now(), headTimeout);
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
        tls: this.tlsFor(new URL(url).host, req.registry),
      });
      clearTimeout(timer);
      return new RegistryResponse(res, this.stats, release, this.idleTimeoutMs);
    } catch (err) {
      clearTimeout(timer);
      release();
      if (controller.signal.reason instanceof CancelledError) throw controller.signal.reason;
      if (controller.signal.reason instanceof Error && controller.signal.reason.name === 'TimeoutError') throw controller.signal.reason;
      if (controller.signal.reason instanceof StalledError) throw controller.signal.reason;
      throw err;
    }
  }

  private async *countStream(stream: Readable, on: { progress: () => void; done: () => void }): AsyncIterable<Uint8Array> {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      this.stats.bytesWritten += buf.length;
      on.progress();
      yield buf;
    }
    on.done();
  }
  /**
   * The TLS settings of a request to `host` made for `registry`: its certs.d folder applies to every host the
   * registry's requests go to (token realm, redirects), as containers/image uses one TLS configuration per registry.
   */
  private tlsFor(host: string, registry: string): HttpTlsOptions {
    const trust = this.options.certsDirs?.forRegistry(registry);
    const client = trust?.cert && trust.key ? { cert: trust.cert, key: trust.key } : {};
    // An unverified connection still presents the client certificate (containers/image loads certs.d either way).
    if (this.isInsecure(host, registry)) return { rejectUnauthorized: false, ...client };
    if (this.options.caFile) this.ca ??= [this.readCa(this.options.caFile)];
    const own = this.registryCa.get(registry);
    const ca = [...(this.ca ?? []), ...(trust?.ca ?? []), ...(own ? [own] : [])];
    return { ...(ca.length ? { ca } : {}), ...client };
  }

  /** Trusts `pem` (with the system's CAs) for `registry`'s requests. */
  trustForRegistry(registry: string, pem: string): void {
    this.registryCa.set(registry, pem);
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

/** The server wants a client certificate, or refused the one sent (TLS alerts 116, 42, 48; a handshake failure). */
function isClientCertificateAlert(err: unknown): boolean {
  const code = errorCode(err) ?? '';
  return /ALERT_CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_CERTIFICATE_UNKNOWN/.test(code);
}

interface Deadline {
  at: number;
}

/** A Buffer body in 64 KiB pieces, so the idle timeout sees it go out. */
const slice = 64 * 1024;
function* slices(data: Buffer): Iterable<Buffer> {
  for (let off = 0; off < data.length; off += slice) yield data.subarray(off, off + slice);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { parseRetryAfter } from '../registry/retry';

export type Query = Record<string, string | undefined>;

/** A Kubernetes Status the API server answered with: an HTTP error, or an ERROR event inside a watch. */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly body: { message?: string; reason?: string; code?: number },
    readonly retryAfterMs?: number,
  ) {
    super(body.message || `HTTP ${code}`);
    this.name = 'ApiStatusError';
  }
}

/** What client-node's applyToFetchOptions gives: the TLS/proxy agent and the headers (credentials included). */
interface FetchOptions {
  agent?: http.Agent;
  headers?: { forEach(callback: (value: string, key: string) => void): void };
}

const MAX_ERROR_BODY = 64 * 1024;

async function readText(res: http.IncomingMessage, limit: number): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    if (text.length < limit) text += chunk as string;
  }
  return text.slice(0, limit);
}

function statusFrom(code: number, text: string): { message?: string; reason?: string; code?: number } {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: string };
    if (body && typeof body === 'object' && (body.kind === 'Status' || typeof body.message === 'string')) return body;
  } catch {
    // Not a Status (a proxy's HTML page): its text is the message.
  }
  const message = text.trim().split('\n')[0]?.slice(0, 500);
  return { code, ...(message ? { message } : {}) };
}

/**
 * Plain GETs against the API server with the kubeconfig's credentials, TLS settings and proxy (client-node
 * applies them, exec plugins and token files included, on every request). Unlike client-node's Watch it keeps a
 * refused request's Status and Retry-After, which the watches need to decide between re-list, retry and failure.
 */
export class ApiRequester {
  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly requestTimeoutMs = 60_000,
  ) {}

  /** GET `path` as JSON (a LIST or a GET). Throws ApiStatusError for a non-2xx answer, the socket error otherwise. */
  async getJson<T>(path: string, query: Query, signal: AbortSignal): Promise<T> {
    const res = await this.send(path, query, signal, this.requestTimeoutMs);
    return JSON.parse(await readText(res, Number.POSITIVE_INFINITY)) as T;
  }

  /**
   * Opens a streaming GET (a watch). Resolves with the 200 response, whose body the caller reads; a connection
   * quiet for longer than `idleMs` is dropped (a peer that vanished without closing).
   */
  openStream(path: string, query: Query, signal: AbortSignal, idleMs: number): Promise<http.IncomingMessage> {
    return this.send(path, query, signal, idleMs);
  }

  private async send(path: string, query: Query, signal: AbortSignal, idleMs: number): Promise<http.IncomingMessage> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig context has no cluster');
    const url = new URL(server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    const options = (await this.kubeConfig.applyToFetchOptions({})) as unknown as FetchOptions;
    const headers: Record<string, string> = { Accept: 'application/json' };
    options.headers?.forEach((value, key) => (headers[key] = value));
    const transport = url.protocol === 'http:' ? http : https;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { method: 'GET', headers, signal, ...(options.agent ? { agent: options.agent } : {}) }, resolve);
      req.on('error', reject);
      req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
      req.setTimeout(idleMs, () => req.destroy(Object.assign(new Error(`no answer for ${Math.round(idleMs / 1000)} s`), { code: 'ETIMEDOUT' })));
      req.end();
    });
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return res;
    const text = await readText(res, MAX_ERROR_BODY).catch(() => '');
    const header = res.headers['retry-after'];
    throw new ApiStatusError(code, statusFrom(code, text), parseRetryAfter(Array.isArray(header) ? header[0] : header));
  }
}

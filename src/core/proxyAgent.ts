import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { OkdError } from './errors';
import { type ProxyChoice, describeProxy, proxyAuthorization } from './proxy';
import { describeNetworkError } from './registry/retry';

/** Failures on the way to a proxy: the proxy itself is the thing to fix, so they name it (never its password). */
export class ProxyError extends OkdError {
  constructor(
    message: string,
    hint: string,
    /** The proxy's answer, when it answered. */
    readonly status?: number,
    /** The socket error's code, when the proxy could not be reached. */
    readonly socketCode?: string,
  ) {
    super('unreachable', message, hint);
    this.name = 'ProxyError';
  }
}

function errorCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function named(proxy: ProxyChoice): string {
  return `proxy ${describeProxy(proxy.url)} (from ${proxy.source})`;
}

function bareHost(target: string): string {
  return target.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** The proxy answered a request for `target` (`host:port`) with a status that is not success. */
export function proxyRefused(proxy: ProxyChoice, target: string, status: number, what: string): ProxyError {
  const name = named(proxy);
  const statusText = `${status} ${http.STATUS_CODES[status] ?? ''}`.trim();
  if (status === 407) {
    const hint = proxy.url.username
      ? `check the user and password in ${proxy.source}`
      : `put the proxy's user and password in ${proxy.source}, as USER:PASSWORD@ before ${proxy.url.host} (percent-encode special characters)`;
    return new ProxyError(`${name} asks for credentials (${statusText}) for ${what} ${target}`, hint, status);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ProxyError(
      `${name} could not reach ${target} (${statusText})`,
      `check that ${bareHost(target)} is up and reachable from the proxy; if it is reachable without the proxy (an internal registry), add it to NO_PROXY`,
      status,
    );
  }
  return new ProxyError(
    `${name} refused ${what} ${target} (${statusText})`,
    `the proxy does not allow this destination: ask its administrator, or, if ${bareHost(target)} is reachable without the proxy, add it to NO_PROXY`,
    status,
  );
}

/**
 * Codes of a connection to the proxy that could not be made (rather than a failure of the request it carried; a
 * reset of a kept-alive connection stays a network error the caller may retry).
 */
const connectCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

export function isProxyConnectError(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code !== undefined && connectCodes.has(code);
}

export function proxyUnreachable(proxy: ProxyChoice, target: string, err: unknown): ProxyError {
  return new ProxyError(
    `${named(proxy)} could not be reached on the way to ${target}: ${describeNetworkError(err)}`,
    `check that the proxy is running and the address in ${proxy.source} is right, or add ${bareHost(target)} to NO_PROXY to connect directly`,
    undefined,
    // No `cause`: callers that describe a network error by its innermost code would say "connection refused"
    // and lose which proxy refused; the code is kept here instead.
    errorCodeOf(err),
  );
}

function proxyPort(url: URL): number {
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
}

function proxyHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Request options that send a plain-http request to the proxy in absolute form (RFC 9112 3.2.2). */
export function forwardOptions(proxy: ProxyChoice, target: URL, headers: Record<string, string> | undefined): http.RequestOptions {
  const auth = proxyAuthorization(proxy.url);
  return {
    host: proxyHost(proxy.url),
    port: proxyPort(proxy.url),
    path: `${target.protocol}//${target.host}${target.pathname}${target.search}`,
    headers: { ...headers, Host: target.host, ...(auth ? { 'Proxy-Authorization': auth } : {}) },
  };
}

const connectTimeoutMs = 60_000;

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/**
 * An https agent whose connections are CONNECT tunnels through the proxy, with TLS to the target over them; the
 * tunnels are pooled and kept alive like direct connections. The proxy itself may be http or https.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: ProxyChoice,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  // Node's Agent accepts a socket given later through the callback (documented for agent.createConnection).
  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): undefined {
    const host = options.hostname ?? options.host ?? 'localhost';
    const target = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 443}`;
    const auth = proxyAuthorization(this.proxy.url);
    const transport = this.proxy.url.protocol === 'https:' ? https : http;
    const req = transport.request({
      host: proxyHost(this.proxy.url),
      port: proxyPort(this.proxy.url),
      method: 'CONNECT',
      path: target,
      headers: { Host: target, ...(auth ? { 'Proxy-Authorization': auth } : {}) },
      agent: false,
    });
    let done = false;
    const finish = (err: Error | null, socket?: Duplex) => {
      if (done) return;
      done = true;
      // Node's agent ignores the stream when err is set.
      callback?.(err, socket as Duplex);
    };
    req.once('connect', (res: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return finish(proxyRefused(this.proxy, target, res.statusCode ?? 0, 'CONNECT to'));
      }
      if (head.length > 0) socket.unshift(head);
      finish(null, tls.connect({ ...(options as tls.ConnectionOptions), socket }));
    });
    req.once('error', (err) => finish(proxyUnreachable(this.proxy, target, err)));
    // The request that waits for this tunnel has its own deadline; this one keeps a silent proxy from holding the
    // tunnel's socket (and the process) open after that.
    req.setTimeout(connectTimeoutMs, () => req.destroy(Object.assign(new Error(`no answer to CONNECT in ${connectTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.end();
    return undefined;
  }
}

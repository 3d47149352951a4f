import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Readable } from 'node:stream';
import { type ProxyChoice, ProxyResolver, type ProxySettings, proxySettingsFromEnv } from './proxy';
import { TunnelAgent, forwardOptions, isProxyConnectError, proxyRefused, proxyUnreachable } from './proxyAgent';

/**
 * A small HTTP client on node:http/https: what the registry client and the release controller client need
 * (methods, streamed bodies both ways, redirects for GET/HEAD, per-host TLS settings, an abort signal), and no
 * more. node:http is part of Node's startup snapshot; a fetch implementation would add tens of milliseconds to
 * every CLI run and half a megabyte to the bundles. Requests go through the proxy of HTTPS_PROXY/HTTP_PROXY/NO_PROXY
 * (src/core/proxy.ts), or of the settings the editor gives setProxySettings().
 */
export interface HttpRequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** Follow 301/302/303/307/308 (GET and HEAD only), dropping Authorization when the host changes or https goes to http. */
  followRedirects?: boolean;
  tls?: HttpTlsOptions;
  /** How long a new TCP connection may take to open (default 30 s, as Go's dialer): a host that drops SYNs fails. */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

export interface HttpTlsOptions {
  /** false: accept any certificate (insecure registries). */
  rejectUnauthorized?: boolean;
  /** Extra CAs (PEM), added to Node's bundled roots (and NODE_EXTRA_CA_CERTS) for this request's host only. */
  ca?: string[];
  /** A client certificate and its key (PEM), for registries that require one (certs.d `*.cert` + `*.key`). */
  cert?: string;
  key?: string;
}

export interface HttpHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  /** The final URL after redirects. */
  url: string;
  body: http.IncomingMessage;
}

const agents = new Map<string, http.Agent>();

let proxyResolver: ProxyResolver | undefined;

/**
 * Replaces the proxy settings read from the environment (the editor's http.proxy); undefined goes back to the
 * environment. Pooled connections are closed so that no request keeps using the previous route.
 */
export function setProxySettings(settings: ProxySettings | undefined): void {
  proxyResolver = settings ? new ProxyResolver(settings) : undefined;
  closeIdleConnections();
}

function currentProxies(): ProxyResolver {
  return (proxyResolver ??= new ProxyResolver(proxySettingsFromEnv()));
}

let extraCaCerts: string[] | undefined;

/**
 * NODE_EXTRA_CA_CERTS: Node adds them to its default roots, but an explicit `ca` replaces those, so they are added
 * back here (a corporate CA must keep working for a registry that also has a certs.d CA).
 */
function nodeExtraCaCerts(): string[] {
  if (extraCaCerts) return extraCaCerts;
  const file = process.env.NODE_EXTRA_CA_CERTS;
  extraCaCerts = [];
  if (file) {
    try {
      extraCaCerts.push(fs.readFileSync(file, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable file.
    }
  }
  return extraCaCerts;
}

function tlsKey(options: HttpTlsOptions | undefined): string {
  if (!options?.ca?.length && !options?.cert) return options?.rejectUnauthorized === false ? 'insecure' : 'verify';
  const hash = createHash('sha256');
  for (const part of [...(options.ca ?? []), '|', options.cert ?? '', '|', options.key ?? '']) hash.update(part);
  return `${options.rejectUnauthorized === false ? 'insecure' : 'verify'}|${hash.digest('hex')}`;
}

function agentFor(protocol: string, options: HttpTlsOptions | undefined, proxy?: ProxyChoice): http.Agent {
  const route = proxy ? `${proxy.url.href}|${proxy.source}` : 'direct';
  const key = `${protocol}|${route}|${tlsKey(options)}`;
  let agent = agents.get(key);
  if (!agent) {
    const tlsOptions: https.AgentOptions = {
      keepAlive: true,
      rejectUnauthorized: options?.rejectUnauthorized !== false,
      // An insecure host's certificate is not checked, so no CA is needed: `ca: []` spares loading Node's
      // bundled roots, about 25 ms of a cold CLI run against a plain-http insecure registry (the TLS try first).
      ...(options?.rejectUnauthorized === false
        ? { ca: [] }
        : options?.ca?.length
          ? { ca: [...tls.rootCertificates, ...nodeExtraCaCerts(), ...options.ca] }
          : {}),
      ...(options?.cert && options.key ? { cert: options.cert, key: options.key } : {}),
    };
    if (protocol === 'https:') agent = proxy ? new TunnelAgent(proxy, tlsOptions) : new https.Agent(tlsOptions);
    // Plain http through a proxy: the connection is to the proxy (over TLS for an https:// proxy).
    else agent = proxy?.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

function headerMap(res: http.IncomingMessage): HttpHeaders {
  return {
    get(name: string): string | null {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function once(url: URL, options: HttpRequestOptions): Promise<http.IncomingMessage> {
  const proxy = currentProxies().proxyFor(url);
  return new Promise((resolve, reject) => {
    const common = {
      method: options.method,
      agent: agentFor(url.protocol, options.tls, proxy),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    // https through a proxy: the TunnelAgent opens a CONNECT tunnel. Plain http: the request goes to the proxy.
    const forward = proxy && url.protocol === 'http:' ? proxy : undefined;
    const req = forward
      ? (forward.url.protocol === 'https:' ? https : http).request({ ...forwardOptions(forward, url, options.headers), ...common })
      : (url.protocol === 'https:' ? https : http).request(url, { headers: options.headers, ...common });
    // A connect that hangs (a firewall dropping packets, a VPN gone) is bounded; a reused keep-alive socket is not
    // connecting. Through a CONNECT tunnel the proxy connection is the tunnel agent's.
    const connectMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (!proxy) {
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => {
          const err = Object.assign(new Error(`connect ETIMEDOUT ${url.host}: no connection within ${connectMs / 1000} s`), { code: 'ETIMEDOUT' });
          req.destroy(err);
        }, connectMs);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
    }
    req.once('response', (res: http.IncomingMessage) => {
      // Only a proxy answers 407; to the caller it is the proxy's refusal, not the server's.
      if (forward && res.statusCode === 407) {
        res.resume();
        return reject(proxyRefused(forward, url.host, 407, `${options.method} to`));
      }
      resolve(res);
    });
    req.once('error', (err) => {
      if (options.signal?.aborted && options.signal.reason instanceof Error) return reject(options.signal.reason);
      reject(forward && isProxyConnectError(err) ? proxyUnreachable(forward, url.host, err) : err);
    });
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.once('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

export async function httpRequest(target: string, options: HttpRequestOptions): Promise<HttpResponse> {
  let url = new URL(target);
  let headers = { ...options.headers };
  for (let hop = 0; ; hop++) {
    const res = await once(url, { ...options, headers });
    const location = res.headers.location;
    const redirect = options.followRedirects && [301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && location && hop < 5;
    if (!redirect) return { status: res.statusCode ?? 0, headers: headerMap(res), url: url.toString(), body: res };
    res.resume();
    const next = new URL(location, url);
    if (next.host !== url.host || (url.protocol === 'https:' && next.protocol !== 'https:')) {
      // Blob storage behind a redirect gets a signed URL; the registry's token must not travel there, nor go out in
      // clear text on a downgrade to http (even to the same host).
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    }
    url = next;
  }
}

/** Closes idle keep-alive connections (tests and long-lived editors call it when settings change). */
export function closeIdleConnections(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Readable } from 'node:stream';

/**
 * A small HTTP client on node:http/https: what the registry client and the release controller client need
 * (methods, streamed bodies both ways, redirects for GET/HEAD, per-host TLS settings, an abort signal), and no
 * more. node:http is part of Node's startup snapshot; a fetch implementation would add tens of milliseconds to
 * every CLI run and half a megabyte to the bundles.
 */
export interface HttpRequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** Follow 301/302/303/307/308 (GET and HEAD only), dropping Authorization when the host changes or https goes to http. */
  followRedirects?: boolean;
  tls?: HttpTlsOptions;
}

export interface HttpTlsOptions {
  /** false: accept any certificate (insecure registries). */
  rejectUnauthorized?: boolean;
  /** Extra CAs (PEM), added to Node's bundled roots. */
  ca?: string[];
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

function agentFor(protocol: string, options: HttpTlsOptions | undefined): http.Agent {
  const key = `${protocol}|${options?.rejectUnauthorized === false ? 'insecure' : 'verify'}|${(options?.ca ?? []).join('')}`;
  let agent = agents.get(key);
  if (!agent) {
    agent =
      protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            rejectUnauthorized: options?.rejectUnauthorized !== false,
            // An insecure host's certificate is not checked, so no CA is needed: `ca: []` spares loading Node's
            // bundled roots, about 25 ms of a cold CLI run against a plain-http insecure registry (the TLS try first).
            ...(options?.rejectUnauthorized === false ? { ca: [] } : options?.ca?.length ? { ca: [...tls.rootCertificates, ...options.ca] } : {}),
          })
        : new http.Agent({ keepAlive: true });
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
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, {
      method: options.method,
      headers: options.headers,
      agent: agentFor(url.protocol, options.tls),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.once('response', resolve);
    req.once('error', (err) => reject(options.signal?.aborted && options.signal.reason instanceof Error ? options.signal.reason : err));
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

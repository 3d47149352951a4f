import { createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { blobDataPath, type TestRegistry } from './registry';

/**
 * What the front does differently from the plain docker-registry behind it, as registries on the internet do.
 * Every field can be changed while the front runs (`front.behave`).
 */
export interface FrontBehaviour {
  /** Blob GETs the registry would answer 200 get a 307 to a signed URL on the CDN port (quay.io, S3, CloudFront). */
  redirectBlobs?: boolean;
  /** Cross-repository mounts (`POST ...?mount=&from=`) answered 403 DENIED without reaching the registry. */
  refuseMounts?: boolean;
  /** Repositories the token endpoint grants nothing on: their scopes are dropped, as a scope-filtering token server does. */
  privateRepositories?: string[];
  /** `OCI-Chunk-Min-Length` / `OCI-Chunk-Max-Length` on the 202 of an upload POST. */
  advertiseChunk?: { min?: number; max?: number };
  /** PATCH bodies above this many bytes are refused with 416 (GHCR refuses chunks over 4 MiB). */
  maxPatchBytes?: number;
  /** Manifest HEADs answered without Docker-Content-Digest (some proxies and registries drop it). */
  omitHeadDigest?: boolean;
  /** The next N requests matching the method answer 429 with `Retry-After: 1`, without reaching the registry. */
  tooManyRequests?: { method: string; remaining: number };
  /** The next PATCH passes only its first `bytes` bytes to the registry, then the client's connection is reset. */
  cutNextPatch?: { bytes: number };
  /** The next N blob GETs send `bytes` bytes of the body and then nothing, holding the connection open. */
  stallBlobs?: { bytes: number; remaining: number };
  /** Each upload PATCH/PUT is held this long before it is passed on (makes parallel uploads observable). */
  holdUploadsMs?: number;
  /** Request bodies of uploads are read at about this many bytes per second (a slow uplink). */
  uploadBytesPerSecond?: number;
  /**
   * Upload Locations without distribution's signed `_state` (as quay.io, GHCR and zot have them): the front keeps
   * the registry's latest state per upload, so a client that lost an answer can still ask where the upload stands.
   */
  stableUploadUrls?: boolean;
}

export interface FrontRequest {
  method: string;
  path: string;
  query: string;
  accept?: string;
  contentRange?: string;
  authorization: boolean;
  status?: number;
  /** Which server saw it: the registry front or the CDN. */
  server: 'front' | 'cdn';
}

export interface RegistryFront {
  /** `127.0.0.1:PORT` of the front: the registry as clients address it. */
  host: string;
  /** `127.0.0.1:PORT` of the CDN that redirected blobs go to. */
  cdnHost: string;
  /** Every request seen, in order of arrival. */
  log: FrontRequest[];
  /** CDN requests refused because they carried an Authorization header. */
  cdnRefusedAuthorization: number;
  /** The most upload PATCH/PUT requests in flight at once. */
  maxUploadsInFlight: number;
  behave(changes: FrontBehaviour): void;
  count(method: string, pathPattern: RegExp, server?: 'front' | 'cdn'): number;
  stop(): Promise<void>;
}

const blobPath = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/;
const uploadPath = /^\/v2\/(.+)\/blobs\/uploads\//;
const manifestPath = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const uploadSession = /^(\/v2\/.+\/blobs\/uploads\/[0-9a-f-]{36})(\?.*)?$/;

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * An HTTP front for a plain-http test registry (`startRegistry({ proxy: false, tls: false })`) that behaves like
 * the registries users reach: redirects to a CDN that refuses Authorization, scope-filtering tokens, chunk limits,
 * 429s, cut uploads and stalled downloads. It passes everything else to the real registry unchanged (Host
 * included, so the registry's Locations name the front).
 */
export async function startRegistryFront(registry: TestRegistry, initial: FrontBehaviour = {}): Promise<RegistryFront> {
  const upstreamPort = Number(registry.directHost.split(':')[1]);
  const secret = randomBytes(16);
  const behaviour: FrontBehaviour = { ...initial };
  const log: FrontRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { cdnRefusedAuthorization: 0, uploadsInFlight: 0, maxUploadsInFlight: 0 };
  let frontPort = 0;
  /** Upload path -> the registry's latest query for it (`_state`), for stable upload URLs. */
  const uploadStates = new Map<string, URLSearchParams>();

  /** Records the registry's Location and hands the client one without the state, when upload URLs are stable. */
  const stableLocation = (location: string | undefined): string | undefined => {
    if (!location || !behaviour.stableUploadUrls) return location;
    const url = new URL(location, `http://127.0.0.1:${frontPort}`);
    if (!uploadSession.test(url.pathname)) return location;
    uploadStates.set(url.pathname, new URLSearchParams(url.search));
    return url.pathname;
  };
  /** The request URL with the registry's latest upload state put back. */
  const upstreamUrl = (raw: string): string => {
    const url = new URL(raw, 'http://front');
    const state = behaviour.stableUploadUrls ? uploadStates.get(url.pathname) : undefined;
    if (!state || url.searchParams.has('_state')) return raw;
    for (const [k, v] of state) if (!url.searchParams.has(k)) url.searchParams.set(k, v);
    return url.pathname + url.search;
  };
  let cdnPort = 0;

  const sign = (pathAndQuery: string) => createHmac('sha256', secret).update(pathAndQuery).digest('base64url');

  const answer = (res: http.ServerResponse, entry: FrontRequest, status: number, headers: http.OutgoingHttpHeaders = {}, body = '') => {
    entry.status = status;
    res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers }).end(body);
  };
  const registryError = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });

  /** Sends the blob file, or a part of it then nothing when a stall is due. */
  const serveBlob = (res: http.ServerResponse, entry: FrontRequest, digest: string) => {
    const file = blobDataPath(registry, digest);
    if (!fs.existsSync(file)) return answer(res, entry, 404, {}, registryError('BLOB_UNKNOWN', 'blob unknown'));
    const data = fs.readFileSync(file);
    entry.status = 200;
    res.writeHead(200, { 'Content-Length': data.length, 'Content-Type': 'application/octet-stream' });
    const stall = behaviour.stallBlobs;
    if (stall && stall.remaining > 0) {
      stall.remaining--;
      res.write(data.subarray(0, Math.min(stall.bytes, data.length - 1)));
      return; // never ends: the socket is destroyed by stop() or by the client giving up
    }
    res.end(data);
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, entry: FrontRequest, body?: Buffer, onHead?: (up: http.IncomingMessage) => boolean) => {
    const headers = { ...req.headers };
    if (body) headers['content-length'] = String(body.length);
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: upstreamUrl(req.url ?? '/'), headers }, (upRes) => {
      const location = stableLocation(upRes.headers.location);
      if (onHead && onHead(upRes)) return;
      const out: http.OutgoingHttpHeaders = { ...upRes.headers, ...(location ? { location } : {}) };
      const challenge = out['www-authenticate'];
      if (typeof challenge === 'string' && registry.tokenServer) {
        out['www-authenticate'] = challenge.replace(registry.tokenServer.realm, `http://127.0.0.1:${frontPort}/token`);
      }
      if (req.method === 'HEAD' && manifestPath.test(entry.path) && behaviour.omitHeadDigest) delete out['docker-content-digest'];
      if (req.method === 'POST' && upRes.statusCode === 202 && behaviour.advertiseChunk) {
        if (behaviour.advertiseChunk.min) out['oci-chunk-min-length'] = String(behaviour.advertiseChunk.min);
        if (behaviour.advertiseChunk.max) out['oci-chunk-max-length'] = String(behaviour.advertiseChunk.max);
      }
      entry.status = upRes.statusCode ?? 0;
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    if (body) up.end(body);
    else if (behaviour.uploadBytesPerSecond && (req.method === 'PATCH' || req.method === 'PUT')) throttle(req, up, behaviour.uploadBytesPerSecond);
    else req.pipe(up);
  };

  const throttle = (req: http.IncomingMessage, up: http.ClientRequest, bytesPerSecond: number) => {
    req.on('data', (chunk: Buffer) => {
      up.write(chunk);
      req.pause();
      setTimeout(() => req.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    req.once('end', () => up.end());
  };

  /** The token endpoint the registry's challenge is rewritten to: the real one, minus scopes on private repositories. */
  const token = (req: http.IncomingMessage, res: http.ServerResponse, entry: FrontRequest) => {
    const realm = new URL(registry.tokenServer?.realm ?? 'http://127.0.0.1:1/token');
    const asked = new URL(req.url ?? '/', 'http://front');
    for (const [key, value] of asked.searchParams) {
      const repo = key === 'scope' ? value.split(':')[1] : undefined;
      if (repo && behaviour.privateRepositories?.includes(repo)) continue;
      realm.searchParams.append(key, value);
    }
    const up = http.request(realm, { headers: { ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) } }, (upRes) => {
      entry.status = upRes.statusCode ?? 0;
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end();
  };

  const upload = async (req: http.IncomingMessage, res: http.ServerResponse, entry: FrontRequest) => {
    state.uploadsInFlight++;
    state.maxUploadsInFlight = Math.max(state.maxUploadsInFlight, state.uploadsInFlight);
    let done = false;
    const finished = () => {
      if (!done) state.uploadsInFlight--;
      done = true;
    };
    res.once('finish', finished);
    res.once('close', finished);
    if (behaviour.holdUploadsMs) await new Promise((r) => setTimeout(r, behaviour.holdUploadsMs));
    const cut = req.method === 'PATCH' ? behaviour.cutNextPatch : undefined;
    const max = req.method === 'PATCH' ? behaviour.maxPatchBytes : undefined;
    if (!cut && max === undefined) return forward(req, res, entry);
    const body = await readBody(req);
    if (max !== undefined && body.length > max) {
      return answer(res, entry, 416, { 'Content-Type': 'application/json' }, registryError('BLOB_UPLOAD_INVALID', `chunk of ${body.length} bytes is over ${max}`));
    }
    if (!cut) return forward(req, res, entry, body);
    behaviour.cutNextPatch = undefined;
    // The registry gets the first bytes (so the upload moved on), the client a reset instead of an answer.
    const start = Number(/^(\d+)-/.exec(String(req.headers['content-range'] ?? '0-0'))?.[1] ?? 0);
    const part = body.subarray(0, cut.bytes);
    req.headers['content-range'] = `${start}-${start + part.length - 1}`;
    forward(req, res, entry, part, (upRes) => {
      upRes.resume();
      entry.status = 0;
      req.socket.resetAndDestroy();
      return true;
    });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const entry: FrontRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers['content-range'] ? { contentRange: String(req.headers['content-range']) } : {}),
      authorization: req.headers.authorization !== undefined,
      server: 'front',
    };
    log.push(entry);
    if (url.pathname === '/token') return token(req, res, entry);
    const limited = behaviour.tooManyRequests;
    if (limited && limited.remaining > 0 && limited.method === req.method && url.pathname.startsWith('/v2/') && url.pathname !== '/v2/') {
      limited.remaining--;
      req.resume();
      return answer(res, entry, 429, { 'Retry-After': '1', 'Content-Type': 'application/json' }, registryError('TOOMANYREQUESTS', 'rate limit exceeded'));
    }
    if (req.method === 'POST' && url.searchParams.has('mount') && behaviour.refuseMounts) {
      req.resume();
      return answer(res, entry, 403, { 'Content-Type': 'application/json' }, registryError('DENIED', 'requested access to the resource is denied'));
    }
    if ((req.method === 'PATCH' || req.method === 'PUT') && uploadPath.test(url.pathname)) {
      upload(req, res, entry).catch(() => res.destroy());
      return;
    }
    const blob = blobPath.exec(url.pathname);
    if (req.method === 'GET' && blob) {
      if (behaviour.redirectBlobs) {
        // The registry checks access (Authorization goes there), then the bytes come from elsewhere.
        return forward(req, res, entry, undefined, (upRes) => {
          if (upRes.statusCode !== 200) return false;
          upRes.destroy();
          const digest = blob[2] as string;
          const expires = Math.floor(Date.now() / 1000) + 300;
          const unsigned = `/cdn/blobs/${digest.replace(':', '/')}?X-Amz-Credential=okd%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Expires=${expires}`;
          answer(res, entry, 307, { Location: `http://127.0.0.1:${cdnPort}${unsigned}&X-Amz-Signature=${sign(unsigned)}` });
          return true;
        });
      }
      if (behaviour.stallBlobs?.remaining) return serveBlob(res, entry, blob[2] as string);
    }
    forward(req, res, entry);
  };

  const cdn = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const raw = req.url ?? '/';
    const url = new URL(raw, 'http://cdn');
    const entry: FrontRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search, authorization: req.headers.authorization !== undefined, server: 'cdn' };
    log.push(entry);
    if (req.headers.authorization !== undefined) {
      state.cdnRefusedAuthorization++;
      return answer(res, entry, 400, { 'Content-Type': 'application/xml' }, '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>');
    }
    const at = raw.indexOf('&X-Amz-Signature=');
    const m = /^\/cdn\/blobs\/sha256\/([a-f0-9]{64})$/.exec(url.pathname);
    if (at < 0 || !m || sign(raw.slice(0, at)) !== raw.slice(at + '&X-Amz-Signature='.length)) {
      return answer(res, entry, 403, { 'Content-Type': 'application/xml' }, '<Error><Code>SignatureDoesNotMatch</Code></Error>');
    }
    serveBlob(res, entry, `sha256:${m[1]}`);
  };

  const track = (server: http.Server) =>
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
  const frontServer = track(http.createServer(handle));
  const cdnServer = track(http.createServer(cdn));
  frontPort = await listen(frontServer);
  cdnPort = await listen(cdnServer);

  return {
    host: `127.0.0.1:${frontPort}`,
    cdnHost: `127.0.0.1:${cdnPort}`,
    log,
    get cdnRefusedAuthorization() {
      return state.cdnRefusedAuthorization;
    },
    get maxUploadsInFlight() {
      return state.maxUploadsInFlight;
    },
    behave(changes: FrontBehaviour) {
      Object.assign(behaviour, changes);
    },
    count(method: string, pathPattern: RegExp, server: 'front' | 'cdn' = 'front') {
      return log.filter((e) => e.server === server && e.method === method && pathPattern.test(e.path)).length;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([frontServer, cdnServer].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

// HTTP routing: authentication, discovery documents, then object verbs, watches and pod logs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenAuth, writeVerb } from './auth';
import { ApiError, errors, status } from './errors';
import { handleObject, type ResourceRequest } from './handlers';
import type { PodLogs } from './pod-logs';
import { apiGroup, apiGroupList, apiResourceList, coreVersions, findResource, versionInfo, type ResourceDef } from './resources';
import type { ObjectStore } from './store';
import { wantsTable } from './table';
import { serveWatch } from './watch';

export interface RouterDeps {
  store: ObjectStore;
  auth: TokenAuth;
  logs: PodLogs;
  kubernetesVersion: string;
  serverAddress: () => string;
  openStreams: Set<ServerResponse>;
  /** Every request, for tests that assert what a client sent. */
  onRequest?: (r: { method: string; path: string; query: string; contentType: string; body: string; user?: string }) => void;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Parsed {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/...` or `/apis/<group>/<version>/...` → resource, namespace, name, subresource. */
function parseResourcePath(segments: string[]): Parsed | undefined {
  let group = '';
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') [version, rest] = [segments[1], segments.slice(2)];
  else [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  if (rest.length === 0) return undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const def = findResource(group, version, rest[2]);
    if (!def?.namespaced) return undefined;
    return { def, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const def = findResource(group, version, rest[0]);
  if (!def || rest.length > 3) return undefined;
  return { def, name: rest[1], subresource: rest[2] };
}

function discovery(segments: string[], deps: RouterDeps): unknown {
  const p = segments.join('/');
  if (p === 'version') return versionInfo(deps.kubernetesVersion);
  if (p === 'healthz' || p === 'readyz' || p === 'livez') return 'ok';
  // kubectl asks for aggregated discovery (application/json;g=apidiscovery.k8s.io;v=v2) first; a plain
  // APIVersions/APIGroupList answer with Content-Type application/json makes it fall back to per-group lists.
  if (p === 'api') return coreVersions(deps.serverAddress());
  if (p === 'apis') return apiGroupList();
  if (segments[0] === 'api' && segments.length === 2) return apiResourceList('', segments[1]);
  if (segments[0] === 'apis' && segments.length === 2) return apiGroup(segments[1]);
  if (segments[0] === 'apis' && segments.length === 3) return apiResourceList(segments[1], segments[2]);
  return undefined;
}

function servePodLog(deps: RouterDeps, r: Parsed, query: URLSearchParams, res: ServerResponse): void {
  const pod = deps.store.mustGet(r.def, r.namespace, r.name ?? '');
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  let container = query.get('container') ?? undefined;
  if (!container) {
    if (containers.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
    }
    container = containers[0];
  } else if (!containers.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  }
  const ns = r.namespace ?? '';
  const podName = r.name ?? '';
  let lines = deps.logs.read(ns, podName, container);
  const tail = query.get('tailLines');
  if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  for (const l of lines) res.write(`${l}\n`);
  if (query.get('follow') !== 'true') {
    res.end();
    return;
  }
  deps.openStreams.add(res);
  const stop1 = deps.logs.follow(ns, podName, container, (l) => res.write(`${l}\n`));
  const stop2 = deps.logs.onClose(ns, podName, () => res.end());
  res.on('close', () => {
    stop1();
    stop2();
    deps.openStreams.delete(res);
  });
}

export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const method = req.method ?? 'GET';
      const body = await readBody(req);
      const contentType = req.headers['content-type'] ?? '';
      let user: string | undefined;
      try {
        const identity = deps.auth.authenticate(req.headers.authorization);
        user = identity.user;
        deps.onRequest?.({ method, path: url.pathname, query: url.search, contentType, body, user });
        const doc = method === 'GET' ? discovery(segments, deps) : undefined;
        if (doc !== undefined) return sendJson(res, 200, doc);
        if (segments[0] !== 'api' && segments[0] !== 'apis') throw errors.notFoundPath();
        const parsed = parseResourcePath(segments);
        if (!parsed) throw errors.notFoundPath();
        const verb = writeVerb(method);
        if (verb && identity.readOnly) {
          throw errors.forbidden(parsed.def, verb, identity.user, parsed.name, parsed.namespace);
        }
        if (parsed.subresource === 'log' && parsed.def.plural === 'pods' && method === 'GET') {
          return servePodLog(deps, parsed, url.searchParams, res);
        }
        const watch = url.searchParams.get('watch');
        if (method === 'GET' && !parsed.name && (watch === 'true' || watch === '1')) {
          return serveWatch(deps.store, { def: parsed.def, namespace: parsed.namespace, query: url.searchParams, table: wantsTable(req.headers.accept) }, res, deps.openStreams);
        }
        const request: ResourceRequest = { ...parsed, method, query: url.searchParams, contentType, body, accept: req.headers.accept };
        const reply = handleObject(deps.store, request);
        sendJson(res, reply.code, reply.body);
      } catch (e) {
        if (!user) deps.onRequest?.({ method, path: url.pathname, query: url.search, contentType, body });
        if (e instanceof ApiError) return sendJson(res, e.status.code, e.status);
        sendJson(res, 500, status(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`));
      }
    })();
  };
}


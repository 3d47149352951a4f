// A loopback HTTP server that answers one collection the way kube-apiserver does: LIST with the list's
// resourceVersion, GET of one object, and `?watch=true&resourceVersion=N` as chunked JSON lines {type, object},
// replayed from its event log after N and then live. What a real cluster does to a client can be played on it:
// an expired resourceVersion (the 410 ERROR event, as after etcd compaction), a stream dropped mid-way, a restart
// on the same port, scripted 429/503/403 answers.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient } from '../../src/core/cluster/client';
import type { RetryPolicy } from '../../src/core/cluster/retry';

export interface FakeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  [key: string]: unknown;
}

export interface SeenRequest {
  kind: 'list' | 'watch' | 'get';
  query: URLSearchParams;
  authorization: string | undefined;
}

interface Scripted {
  kind: SeenRequest['kind'];
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

export const TOKEN = 'sha256~fake-apiserver-token';

export function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

export class FakeApiServer {
  readonly requests: SeenRequest[] = [];
  /** Watch streams open now, each with the listener that feeds it. */
  private readonly open = new Map<http.ServerResponse, (e: { type: string; object: FakeObject }) => void>();
  private readonly objects = new Map<string, FakeObject>();
  private readonly log: Array<{ rv: number; type: string; object: FakeObject }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly scripted: Scripted[] = [];
  private rv = 100;
  /** Watches from a resourceVersion below this answer 410 (the events are compacted away, as etcd compaction does). */
  private compacted = 0;
  private server: http.Server | undefined;
  port = 0;

  constructor(readonly collection: string) {}

  static async start(collection: string): Promise<FakeApiServer> {
    const s = new FakeApiServer(collection);
    await s.listen(0);
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Watch streams open now. */
  get streams(): { size: number } {
    return this.open;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  count(kind: SeenRequest['kind']): number {
    return this.requests.filter((r) => r.kind === kind).length;
  }

  watches(): SeenRequest[] {
    return this.requests.filter((r) => r.kind === 'watch');
  }

  /**
   * Creates or replaces an object: ADDED or MODIFIED to open watches, unless `unseen` (a change the open watches
   * miss, as when the watch cache falls behind and compaction follows: see expire()).
   */
  put(object: FakeObject, unseen = false): FakeObject {
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.rv);
    const type = this.objects.has(stored.metadata.name) ? 'MODIFIED' : 'ADDED';
    this.objects.set(stored.metadata.name, stored);
    this.emit(type, stored, unseen);
    return stored;
  }

  remove(name: string, unseen = false): void {
    const old = this.objects.get(name);
    if (!old) return;
    this.objects.delete(name);
    this.emit('DELETED', { ...clone(old), metadata: { ...old.metadata, resourceVersion: String(++this.rv) } }, unseen);
  }

  /** What etcd compaction does: every resourceVersion so far is too old; open watches get the 410 ERROR event. */
  expire(): void {
    this.compacted = this.rv;
    for (const res of this.detachAll()) res.end(`${JSON.stringify({ type: 'ERROR', object: this.expired('') })}\n`);
  }

  /** Destroys the sockets of open watches mid-stream (a load balancer or an API server going away). */
  dropStreams(): void {
    for (const res of this.detachAll()) res.socket?.destroy();
  }

  /** Ends open watches cleanly, as the server does at timeoutSeconds. */
  endStreams(): void {
    for (const res of this.detachAll()) res.end();
  }

  /** Stops feeding every open watch at once: what changes next goes to the event log only. */
  private detachAll(): http.ServerResponse[] {
    const streams = [...this.open.keys()];
    this.open.clear();
    return streams;
  }

  /** The next `kind` request gets this answer instead (in the order scripted). */
  answerNext(kind: SeenRequest['kind'], code: number, body: unknown, headers: Record<string, string> = {}): void {
    this.scripted.push({ kind, code, body, headers });
  }

  /** Stops listening and drops every connection: the API server is down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    this.detachAll();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port, with the same objects and event log (the API server is back). */
  restart(): Promise<void> {
    return this.listen(this.port);
  }

  private expired(rv: string) {
    return status(410, 'Expired', `too old resource version: ${rv || this.compacted} (${this.rv})`);
  }

  private emit(type: string, object: FakeObject, unseen: boolean): void {
    this.log.push({ rv: this.rv, type, object: clone(object) });
    if (!unseen) for (const listener of this.open.values()) listener({ type, object });
  }

  private listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = url.pathname.startsWith(`${this.collection}/`) ? url.pathname.slice(this.collection.length + 1) : undefined;
    if (url.pathname !== this.collection && !name) return this.json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const kind: SeenRequest['kind'] = name ? 'get' : url.searchParams.get('watch') === 'true' ? 'watch' : 'list';
    this.requests.push({ kind, query: url.searchParams, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return this.json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const scripted = this.scripted.findIndex((s) => s.kind === kind);
    if (scripted >= 0) {
      const [answer] = this.scripted.splice(scripted, 1);
      return this.json(res, answer!.code, answer!.body, answer!.headers);
    }
    const byName = /(?:^|,)metadata\.name=([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
    const matches = (o: FakeObject) => byName === undefined || o.metadata.name === byName;
    if (kind === 'get') {
      const object = this.objects.get(name as string);
      return object ? this.json(res, 200, object) : this.json(res, 404, status(404, 'NotFound', `"${name}" not found`));
    }
    if (kind === 'list') {
      return this.json(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...this.objects.values()].filter(matches) });
    }
    this.watch(url.searchParams.get('resourceVersion') ?? '', matches, res);
  }

  private watch(rv: string, matches: (o: FakeObject) => boolean, res: http.ServerResponse): void {
    const since = rv && rv !== '0' ? Number(rv) : undefined;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (since !== undefined && since < this.compacted) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: this.expired(rv) })}\n`);
      return;
    }
    const send = (type: string, object: FakeObject) => matches(object) && res.write(`${JSON.stringify({ type, object })}\n`);
    if (since === undefined) for (const o of this.objects.values()) send('ADDED', o);
    else for (const e of this.log) if (e.rv > since) send(e.type, e.object);
    this.open.set(res, (e) => send(e.type, e.object));
    res.on('close', () => this.open.delete(res));
  }

  private json(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

/** A kubeconfig in a temp dir whose only context talks to `server` with TOKEN. */
export function writeKubeconfig(server: string): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-fake-apiserver-'));
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'developer', user: { token: TOKEN } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'developer' } }],
      'current-context': 'fake',
    }),
    { mode: 0o600 },
  );
  return { file, dir };
}

/**
 * One fake API server per test and a ClusterClient on it (fast backoff unless told): call `connect()` in the test
 * and `stop()` in afterEach, which ends the server and removes the kubeconfig.
 */
export function fakeCluster(collection: string) {
  let server: FakeApiServer | undefined;
  const dirs: string[] = [];
  return {
    async connect(retry: Partial<RetryPolicy> = { baseMs: 1, maxMs: 4 }): Promise<{ server: FakeApiServer; client: ClusterClient }> {
      const started = await FakeApiServer.start(collection);
      server = started;
      const kubeconfig = writeKubeconfig(started.url);
      dirs.push(kubeconfig.dir);
      return { server: started, client: await ClusterClient.connect({ kubeconfig: kubeconfig.file, retry }) };
    },
    async stop(): Promise<void> {
      await server?.stop();
      server = undefined;
      for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for state, not for time: checks `ready` on every turn of the event loop until it holds (or fails loudly). */
export async function until(ready: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

// ClusterClient.inform() and watch() against a loopback server that behaves like kube-apiserver's watch endpoint:
// what a caller sees when the cluster expires its resourceVersion, drops the stream, restarts, throttles or
// refuses. Backoff is injected (a few milliseconds, or a recording sleep), and every wait is for state.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { fromAbortSignal } from '../../src/core/cancel';
import { ClusterClient, type InformerHandlers, type WatchHandle, type WatchRetry } from '../../src/core/cluster/client';
import type { RetryPolicy } from '../../src/core/cluster/retry';
import { OkdError } from '../../src/core/errors';
import type { Logger } from '../../src/core/log';
import { type FakeObject, FakeApiServer, status, TOKEN, until, writeKubeconfig } from './cluster-fake-apiserver';

const COLLECTION = '/apis/config.openshift.io/v1/clusteroperators';
const co = (name: string, message = 'ok'): FakeObject => ({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterOperator', metadata: { name }, status: { message } });

describe('ClusterClient.inform: list+watch that survives a real cluster', () => {
  let server: FakeApiServer | undefined;
  const handles: WatchHandle[] = [];
  const dirs: string[] = [];
  const logged: string[] = [];
  const logger: Logger = { trace: (l) => logged.push(l), debug: (l) => logged.push(l), info: (l) => logged.push(l), warn: (l) => logged.push(l), error: (l) => logged.push(l) };

  afterEach(async () => {
    for (const h of handles.splice(0)) h.stop();
    await server?.stop();
    server = undefined;
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function connect(retry: Partial<RetryPolicy> = { baseMs: 1, maxMs: 4 }): Promise<{ server: FakeApiServer; client: ClusterClient }> {
    server = await FakeApiServer.start(COLLECTION);
    const kubeconfig = writeKubeconfig(server.url);
    dirs.push(kubeconfig.dir);
    return { server, client: await ClusterClient.connect({ kubeconfig: kubeconfig.file, logger, retry }) };
  }

  /** What a caller sees, in order: `sync a,b`, `ADDED c`, `MODIFIED a: degraded`, `DELETED b`. */
  function recorder(withSync = true) {
    const seen: string[] = [];
    const errors: Error[] = [];
    const retries: WatchRetry[] = [];
    const reconnected: number[] = [];
    const handlers: InformerHandlers<FakeObject> = {
      ...(withSync ? { onSync: (items: FakeObject[]) => seen.push(`sync ${items.map((o) => o.metadata.name).join(',')}`) } : {}),
      onEvent: (type, o) => seen.push(`${type} ${o.metadata.name}${type === 'MODIFIED' ? `: ${(o['status'] as { message: string }).message}` : ''}`),
      onError: (err) => errors.push(err),
      onRetry: (r) => retries.push(r),
      onReconnected: () => reconnected.push(retries.length),
    };
    return { seen, errors, retries, reconnected, handlers };
  }

  const watching = (s: FakeApiServer, n = 1) => until(() => s.streams.size === 1 && s.count('watch') >= n, `watch #${n} to be open`);

  it("lists, then watches from the list's resourceVersion (never an object's), delivering events in order", async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    server.put(co('b'));
    server.put(co('gone'));
    server.remove('gone');
    const listRv = server.resourceVersion;
    const r = recorder();
    const informer = client.inform<FakeObject>(COLLECTION, {}, r.handlers);
    handles.push(informer);
    await watching(server);
    assert.equal(server.watches()[0]?.query.get('resourceVersion'), listRv);
    server.put(co('a', 'degraded'));
    server.put(co('c'));
    server.remove('b');
    await until(() => r.seen.length === 4, 'three events');
    assert.deepEqual(r.seen, ['sync a,b', 'MODIFIED a: degraded', 'ADDED c', 'DELETED b']);
    assert.deepEqual(informer.items().map((o) => o.metadata.name).sort(), ['a', 'c']);
    assert.equal(server.count('list'), 1);
    assert.deepEqual(r.errors, []);
    assert.equal(server.requests.every((q) => q.authorization === `Bearer ${TOKEN}`), true);
    assert.ok(!logged.some((line) => line.includes(TOKEN)), 'the token is never logged');
  });

  it('re-lists after a 410 Expired ERROR event and resumes from the new list, giving the fresh state', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    server.put(co('b'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await watching(server);
    const firstRv = server.watches()[0]?.query.get('resourceVersion');
    // Changes the watch never delivers, then compaction: the stream ends with the ERROR event kube-apiserver sends.
    server.put(co('a', 'degraded'), true);
    server.remove('b', true);
    server.put(co('c'), true);
    const secondListRv = server.resourceVersion;
    server.expire();
    await watching(server, 2);
    assert.deepEqual(r.seen, ['sync a,b', 'sync a,c']);
    assert.equal(server.count('list'), 2);
    assert.deepEqual(
      server.watches().map((w) => w.query.get('resourceVersion')),
      [firstRv, secondListRv],
    );
    server.put(co('d'));
    await until(() => r.seen.length === 3, 'the event after the re-list');
    assert.equal(r.seen[2], 'ADDED d');
    assert.deepEqual(r.errors, []);
  });

  it('without onSync, a re-list arrives as events: MODIFIED for changed objects, DELETED for the ones gone', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    server.put(co('b'));
    const r = recorder(false);
    const informer = client.inform<FakeObject>(COLLECTION, {}, r.handlers);
    handles.push(informer);
    await watching(server);
    server.put(co('a', 'degraded'), true);
    server.remove('b', true);
    server.put(co('c'), true);
    server.expire();
    await watching(server, 2);
    assert.deepEqual(r.seen, ['ADDED a', 'ADDED b', 'MODIFIED a: degraded', 'ADDED c', 'DELETED b']);
    assert.deepEqual(informer.items().map((o) => o.metadata.name).sort(), ['a', 'c']);
  });

  it('re-lists on an HTTP 410 Gone when the watch starts', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    server.answerNext('watch', 410, status(410, 'Gone', 'too old resource version: 5 (10)'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await watching(server, 2);
    assert.deepEqual(r.seen, ['sync a', 'sync a']);
    assert.equal(server.count('list'), 2);
    assert.deepEqual(r.errors, []);
  });

  it('resumes from the last event seen after the stream is dropped mid-way, without a re-list or a lost event', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await watching(server);
    const b = server.put(co('b'));
    await until(() => r.seen.includes('ADDED b'), 'ADDED b');
    server.dropStreams();
    server.put(co('c')); // while the client is disconnected: it must come from the resumed watch
    await until(() => r.seen.includes('ADDED c'), 'ADDED c after the reconnect');
    assert.deepEqual(r.seen, ['sync a', 'ADDED b', 'ADDED c']);
    assert.equal(server.count('list'), 1);
    assert.equal(server.watches().at(-1)?.query.get('resourceVersion'), b.metadata.resourceVersion);
  });

  it('reconnects when the API server restarts on the same port, and gets what changed while it was down', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await watching(server);
    await server.stop();
    await until(() => r.retries.some((x) => /ECONNREFUSED/.test(x.why)), 'a refused reconnect');
    server.put(co('a', 'progressing'));
    await server.restart();
    await until(() => r.seen.length === 2, 'the change made while the server was down');
    assert.deepEqual(r.seen, ['sync a', 'MODIFIED a: progressing']);
    assert.deepEqual(r.errors, []);
    assert.ok(logged.some((line) => /reconnecting in \d+ ms/.test(line)), 'reconnects are logged');
    assert.ok(!logged.some((line) => line.includes(TOKEN)), 'the token is never logged');
  });

  it('says when it hears the server again after a restart, even when nothing changed (the stream opens with no event)', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await watching(server);
    assert.deepEqual(r.reconnected, [], 'nothing to report before a failure');
    await server.stop();
    await until(() => r.retries.length > 0, 'a failed reconnect');
    await server.restart();
    await until(() => r.reconnected.length === 1, 'the informer to report the server back');
    assert.deepEqual(r.seen, ['sync a']);
    assert.deepEqual(r.errors, []);
  });

  it('honours Retry-After on 429 and backs off on 503 when the watch starts', async () => {
    const delays: number[] = [];
    const { server, client } = await connect({ baseMs: 100, maxMs: 1000, random: () => 1, sleep: async (ms) => void delays.push(ms) });
    server.put(co('a'));
    server.answerNext('watch', 429, status(429, 'TooManyRequests', 'Too many requests, please try again later.'), { 'Retry-After': '7' });
    server.answerNext('watch', 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await watching(server, 3);
    assert.deepEqual(delays, [7000, 200]);
    assert.deepEqual(
      r.retries.map((x) => x.why),
      ['429 TooManyRequests: Too many requests, please try again later.', '503 ServiceUnavailable: the server is currently unable to handle the request'],
    );
    server.put(co('b'));
    await until(() => r.seen.includes('ADDED b'), 'ADDED b');
    assert.deepEqual(r.errors, []);
  });

  it("fails on 403 with the server's message, without retrying", async () => {
    const { server, client } = await connect();
    const denial = 'clusteroperators.config.openshift.io is forbidden: User "developer" cannot list resource "clusteroperators" in API group "config.openshift.io" at the cluster scope';
    server.answerNext('list', 403, status(403, 'Forbidden', denial));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers));
    await until(() => r.errors.length === 1, 'the error');
    const err = r.errors[0] as OkdError;
    assert.ok(err instanceof OkdError);
    assert.equal(err.kind, 'forbidden');
    assert.ok(err.message.startsWith(`user developer may not list clusteroperators.config.openshift.io (context fake): ${denial}`), err.message);
    assert.equal(err.hint, 'use a context with cluster-admin rights');
    assert.equal(server.requests.length, 1);
    assert.deepEqual(r.retries, []);
  });

  it("fails on a 4xx that will not heal (400 at watch start) with the server's message", async () => {
    const { server, client } = await connect();
    server.answerNext('watch', 400, status(400, 'BadRequest', 'unable to parse requirement: invalid label key "a b"'));
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, { labelSelector: 'a b=c' }, r.handlers));
    await until(() => r.errors.length === 1, 'the error');
    assert.match((r.errors[0] as Error).message, /watch clusteroperators\.config\.openshift\.io was refused \(400 BadRequest\): unable to parse requirement: invalid label key "a b"/);
    assert.equal(server.count('watch'), 1);
  });

  it('stops on cancel: the watch connection closes and nothing more arrives', async () => {
    const { server, client } = await connect();
    server.put(co('a'));
    const cancel = new AbortController();
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers, { token: fromAbortSignal(cancel.signal) }));
    await watching(server);
    cancel.abort();
    await until(() => server.streams.size === 0, 'the watch connection to close');
    server.put(co('b'));
    assert.deepEqual(r.seen, ['sync a']);
    assert.equal(server.count('watch'), 1);
    assert.deepEqual(r.errors, []);
  });

  it('stops on cancel while waiting to reconnect', async () => {
    const sleeping: AbortSignal[] = [];
    const sleep = (_ms: number, signal: AbortSignal) => new Promise<void>((resolve) => (sleeping.push(signal), signal.addEventListener('abort', () => resolve())));
    const { server, client } = await connect({ baseMs: 1, maxMs: 4, sleep });
    server.answerNext('list', 503, status(503, 'ServiceUnavailable', 'etcd leader changed'));
    const cancel = new AbortController();
    const r = recorder();
    handles.push(client.inform<FakeObject>(COLLECTION, {}, r.handlers, { token: fromAbortSignal(cancel.signal) }));
    await until(() => sleeping.length === 1, 'the backoff');
    cancel.abort();
    assert.equal(sleeping[0]?.aborted, true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(server.requests.length, 1);
    assert.deepEqual(r.seen, []);
    assert.deepEqual(r.errors, []);
  });
});

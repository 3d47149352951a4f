// watchUntil, the wait behind an operand's restore and the manifests' restore, against the loopback API server that
// behaves like kube-apiserver's watch endpoint: it resolves on the event that makes the object as wanted (not
// before, and without polling), through a dropped stream and an API server restart with a compacted
// resourceVersion, and ends on timeout, cancel and a refused watch, closing its watch each time.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CancelledError, fromAbortSignal } from '../../src/core/cancel';
import { watchUntil, type WatchUntilOptions } from '../../src/core/cluster/watchUntil';
import { OkdError } from '../../src/core/errors';
import { type FakeObject, fakeCluster, status, until } from './cluster-fake-apiserver';

const COLLECTION = '/apis/apps/v1/namespaces/openshift-monitoring/deployments';
const deployment = (name: string, image: string): FakeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'openshift-monitoring' },
  spec: { template: { spec: { containers: [{ name: 'main', image }] } } },
});
const imageOf = (o: FakeObject | undefined) => (o?.['spec'] as { template: { spec: { containers: Array<{ image: string }> } } } | undefined)?.template.spec.containers[0]?.image;
const PAYLOAD = 'quay.io/okd/scos-content@sha256:' + 'a'.repeat(64);
const PATCHED = '127.0.0.1:5000/me/prometheus@sha256:' + 'b'.repeat(64);

describe('watchUntil: waits for one object by watching it', () => {
  const cluster = fakeCluster(COLLECTION);
  afterEach(() => cluster.stop());
  const connect = () => cluster.connect();

  /** Waits for Deployment prometheus-operator to run `image` again; records every state `done` was asked about. */
  function options(image: string, extra: Partial<WatchUntilOptions<FakeObject>> = {}) {
    const judged: Array<string | undefined> = [];
    const opts: WatchUntilOptions<FakeObject> = {
      collection: COLLECTION,
      name: 'prometheus-operator',
      what: 'Deployment openshift-monitoring/prometheus-operator',
      done: (o) => (judged.push(imageOf(o)), imageOf(o) === image),
      timeoutMs: 30_000,
      timeoutError: () => new Error('prometheus-operator did not get its payload image back'),
      ...extra,
    };
    return { judged, opts };
  }

  /** Tracks whether the promise has settled, so a test can say it has not yet. */
  function track<T>(p: Promise<T>) {
    const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
    p.then(
      (value) => Object.assign(state, { settled: true, value }),
      (error: unknown) => Object.assign(state, { settled: true, error }),
    );
    return state;
  }

  it('resolves on the event that makes the object as wanted, not before, watching it by name', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    server.put(deployment('prometheus-adapter', PAYLOAD));
    const { judged, opts } = options(PAYLOAD);
    const wait = track(watchUntil(client, opts));
    await until(() => server.streams.size === 1, 'the watch');
    assert.equal(server.watches()[0]?.query.get('fieldSelector'), 'metadata.name=prometheus-operator');
    server.put(deployment('prometheus-operator', PATCHED.replace('b'.repeat(64), 'c'.repeat(64))));
    await until(() => judged.length === 2, 'the MODIFIED event to be judged');
    assert.equal(wait.settled, false, 'an event that is not the wanted state does not end the wait');
    server.put(deployment('prometheus-operator', PAYLOAD));
    await until(() => wait.settled, 'the wait to end');
    assert.equal(wait.error, undefined);
    assert.equal(imageOf(wait.value as FakeObject), PAYLOAD);
    assert.equal((wait.value as FakeObject).metadata.name, 'prometheus-operator');
    assert.equal(judged.length, 3, 'judged the list and the two events, nothing else');
    assert.equal(server.count('list'), 1);
    assert.equal(server.count('get'), 0, 'no polling');
    await until(() => server.streams.size === 0, 'its watch to close once it resolved');
  });

  it('resolves from the list when the object is already as wanted', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PAYLOAD));
    const { opts } = options(PAYLOAD);
    const object = await watchUntil(client, opts);
    assert.equal(imageOf(object), PAYLOAD);
  });

  it('resolves with undefined when the object it waits to be gone is deleted', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    const wait = track(watchUntil(client, options(PAYLOAD, { done: (o) => o === undefined }).opts));
    await until(() => server.streams.size === 1, 'the watch');
    assert.equal(wait.settled, false);
    server.remove('prometheus-operator');
    await until(() => wait.settled, 'the wait to end');
    assert.equal(wait.error, undefined);
    assert.equal(wait.value, undefined);
  });

  it('survives a dropped watch: the change made while it was disconnected ends the wait', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    const wait = track(watchUntil(client, options(PAYLOAD).opts));
    await until(() => server.streams.size === 1, 'the watch');
    server.dropStreams();
    server.put(deployment('prometheus-operator', PAYLOAD));
    await until(() => wait.settled, 'the wait to end after the reconnect');
    assert.equal(wait.error, undefined);
    assert.equal(imageOf(wait.value as FakeObject), PAYLOAD);
    assert.ok(server.count('watch') >= 2, 'it watched again');
  });

  it('survives an API server restart with the resourceVersion compacted meanwhile (re-list)', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    const wait = track(watchUntil(client, options(PAYLOAD).opts));
    await until(() => server.streams.size === 1, 'the watch');
    await server.stop();
    server.put(deployment('prometheus-operator', PAYLOAD));
    server.expire();
    await server.restart();
    await until(() => wait.settled, 'the wait to end after the restart');
    assert.equal(wait.error, undefined);
    assert.equal(imageOf(wait.value as FakeObject), PAYLOAD);
    assert.equal(server.count('list'), 2, 'a re-list after the 410');
  });

  it('rejects with timeoutError when the object never gets there, and closes its watch', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    const { opts } = options(PAYLOAD, { timeoutMs: 300 });
    await assert.rejects(watchUntil(client, opts), /prometheus-operator did not get its payload image back/);
    await until(() => server.streams.size === 0, 'the watch to close');
  });

  it('rejects with CancelledError on the token, and closes its watch', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    const cancel = new AbortController();
    const wait = watchUntil(client, options(PAYLOAD, { token: fromAbortSignal(cancel.signal) }).opts);
    await until(() => server.streams.size === 1, 'the watch');
    cancel.abort();
    await assert.rejects(wait, (err: unknown) => err instanceof CancelledError && /Deployment openshift-monitoring\/prometheus-operator/.test(err.message));
    await until(() => server.streams.size === 0, 'the watch to close');
    assert.equal(server.count('watch'), 1);
  });

  it('rejects at once, without a request, when the token is already cancelled', async () => {
    const { server, client } = await connect();
    const cancel = new AbortController();
    cancel.abort();
    await assert.rejects(watchUntil(client, options(PAYLOAD, { token: fromAbortSignal(cancel.signal) }).opts), CancelledError);
    assert.equal(server.requests.length, 0);
  });

  it("rejects with the server's message when the watch is refused (403)", async () => {
    const { server, client } = await connect();
    const text = 'deployments.apps "prometheus-operator" is forbidden: User "developer" cannot watch resource "deployments" in API group "apps" in the namespace "openshift-monitoring"';
    server.put(deployment('prometheus-operator', PATCHED));
    server.answerNext('watch', 403, status(403, 'Forbidden', text));
    await assert.rejects(watchUntil(client, options(PAYLOAD).opts), (err: unknown) => err instanceof OkdError && err.kind === 'forbidden' && err.message.includes(text));
  });

  it('rejects with the error `done` throws', async () => {
    const { server, client } = await connect();
    server.put(deployment('prometheus-operator', PATCHED));
    const done = () => {
      throw new Error('Deployment openshift-monitoring/prometheus-operator has no container main');
    };
    await assert.rejects(watchUntil(client, options(PAYLOAD, { done }).opts), /has no container main/);
  });
});

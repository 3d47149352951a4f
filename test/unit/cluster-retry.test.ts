// Which failures heal by themselves (retry with backoff, Retry-After honoured), which need a re-list (410), which
// end a wait (401, 403, other 4xx); and a read inside a wait (ClusterClient.retryRead) riding out a 503 and a
// restarting API server against a loopback server.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CancelledError, fromAbortSignal } from '../../src/core/cancel';
import { ApiStatusError } from '../../src/core/cluster/request';
import { DENIALS_AFTER_RECONNECT, reconnectDecision, retryDecision, retryDelay, type RetryPolicy } from '../../src/core/cluster/retry';
import { watchedWhat } from '../../src/core/cluster/watch';
import { OkdError } from '../../src/core/errors';
import { fakeCluster, status, until } from './cluster-fake-apiserver';

const netError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('retryDecision', () => {
  it('retries a refused or reset connection, 429, 5xx; re-lists on 410; gives up on 401, 403, other 4xx and certificates', () => {
    assert.equal(retryDecision(netError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:6443')).action, 'retry');
    assert.equal(retryDecision(netError('ECONNRESET', 'socket hang up')).action, 'retry');
    assert.equal(retryDecision(new TypeError('fetch failed', { cause: netError('ECONNRESET', 'read ECONNRESET') })).action, 'retry');
    assert.deepEqual(retryDecision(new ApiStatusError(429, { message: 'slow down', reason: 'TooManyRequests' }, 3000)), {
      action: 'retry',
      why: '429 TooManyRequests: slow down',
      retryAfterMs: 3000,
    });
    assert.equal(retryDecision(new ApiStatusError(503, {})).action, 'retry');
    assert.equal(retryDecision(new ApiStatusError(500, { message: 'etcdserver: leader changed' })).action, 'retry');
    assert.equal(retryDecision(new ApiStatusError(410, { reason: 'Expired', message: 'too old resource version: 5 (10)' })).action, 'relist');
    for (const code of [400, 401, 403, 404, 422]) assert.equal(retryDecision(new ApiStatusError(code, {})).action, 'fail', String(code));
    assert.equal(retryDecision(netError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate')).action, 'fail');
    assert.equal(retryDecision(netError('ENOTFOUND', 'getaddrinfo ENOTFOUND api.nowhere')).action, 'fail');
  });

  it("looks through an OkdError to its cause, and reads client-node's Retry-After header", () => {
    const apiException = Object.assign(new Error('HTTP-Code: 429'), { code: 429, body: '{"message":"busy"}', headers: { 'retry-after': '2' } });
    const wrapped = new OkdError('failed', 'get clusterversions was refused', undefined, { cause: apiException });
    assert.deepEqual(retryDecision(wrapped), { action: 'retry', why: '429: busy', retryAfterMs: 2000 });
  });

  it('waits what Retry-After says (capped), else backs off exponentially with jitter up to the cap', () => {
    const policy: RetryPolicy = { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 30_000, random: () => 1 };
    assert.equal(retryDelay(1, policy, 7000), 7000);
    assert.equal(retryDelay(1, policy, 600_000), 30_000);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, policy)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(retryDelay(3, { ...policy, random: () => 0 }), 200);
  });
});

describe('watchedWhat', () => {
  it('names the watched resource in the words of oc', () => {
    assert.deepEqual(watchedWhat('/apis/config.openshift.io/v1/clusterversions', { fieldSelector: 'metadata.name=version' }), { verb: 'watch', resource: 'clusterversions.config.openshift.io', name: 'version' });
    assert.deepEqual(watchedWhat('/api/v1/namespaces/openshift-monitoring/pods', { labelSelector: 'app=x' }), { verb: 'watch', resource: 'pods', namespace: 'openshift-monitoring' });
    assert.deepEqual(watchedWhat('/apis/apps/v1/deployments', {}, 'list'), { verb: 'list', resource: 'deployments.apps' });
  });
});

describe('ClusterClient.retryRead', () => {
  const CV = '/apis/config.openshift.io/v1/clusterversions';
  const cluster = fakeCluster(CV);
  afterEach(() => cluster.stop());

  async function connect(retry: Partial<RetryPolicy> = { baseMs: 1, maxMs: 4 }) {
    const connected = await cluster.connect(retry);
    connected.server.put({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', metadata: { name: 'version' }, spec: { clusterID: 'c' } });
    return connected;
  }

  it('reads again after a 503 and after the API server comes back', async () => {
    const { server, client } = await connect();
    server.answerNext('get', 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
    const retries: string[] = [];
    const cv = await client.retryRead(() => client.getClusterVersion(), { what: 'get the ClusterVersion', onRetry: (why) => retries.push(why) });
    assert.equal(cv.metadata.name, 'version');
    assert.equal(retries.length, 1);
    assert.match(retries[0] as string, /^503/);

    await server.stop();
    const read = client.retryRead(() => client.getClusterVersion(), { what: 'get the ClusterVersion', onRetry: (why) => retries.push(why) });
    await until(() => retries.length >= 3, 'refused reads');
    await server.restart();
    assert.equal((await read).metadata.name, 'version');
    assert.ok(retries.slice(1).every((why) => /ECONNREFUSED/.test(why)), retries.join('\n'));
  });

  it("fails at once on 403 with the server's message", async () => {
    const { server, client } = await connect();
    const text = 'clusterversions.config.openshift.io "version" is forbidden: User "developer" cannot get resource "clusterversions" in API group "config.openshift.io" at the cluster scope';
    server.answerNext('get', 403, status(403, 'Forbidden', text));
    await assert.rejects(
      client.retryRead(() => client.getClusterVersion(), { what: 'get the ClusterVersion' }),
      (err: unknown) => err instanceof OkdError && err.kind === 'forbidden' && err.message.includes(text),
    );
    assert.equal(server.count('get'), 1);
  });

  it('stops on cancel with CancelledError', async () => {
    const sleeping: AbortSignal[] = [];
    const { server, client } = await connect({ sleep: (_ms, signal) => new Promise<void>((resolve) => (sleeping.push(signal), signal.addEventListener('abort', () => resolve()))) });
    server.answerNext('get', 503, status(503, 'ServiceUnavailable', 'unavailable'));
    const cancel = new AbortController();
    const read = client.retryRead(() => client.getClusterVersion(), { what: 'get the ClusterVersion', token: fromAbortSignal(cancel.signal) });
    await until(() => sleeping.length === 1, 'the backoff');
    cancel.abort();
    await assert.rejects(read, CancelledError);
    assert.equal(server.count('get'), 1);
  });
});

describe('denials right after a reconnect', () => {
  const denied = (code: number) => Object.assign(new Error('forbidden'), { code, body: { kind: 'Status', code, reason: code === 403 ? 'Forbidden' : 'Unauthorized', message: 'clusterversions.config.openshift.io "version" is forbidden' } });

  it('a 401/403 on a healthy connection fails at once', () => {
    assert.equal(reconnectDecision(denied(403), false, 0).action, 'fail');
    assert.equal(reconnectDecision(denied(401), false, 0).action, 'fail');
  });

  it('a 401/403 while reconnecting (an API server whose authorizer is still starting) is retried a few times, then fails', () => {
    for (let n = 0; n < DENIALS_AFTER_RECONNECT; n++) {
      const decision = reconnectDecision(denied(403), true, n);
      assert.equal(decision.action, 'retry');
      assert.equal(decision.denied, true);
    }
    assert.equal(reconnectDecision(denied(403), true, DENIALS_AFTER_RECONNECT).action, 'fail');
  });

  it('other failures keep their own decision while reconnecting', () => {
    assert.equal(reconnectDecision(Object.assign(new Error('bad'), { code: 400, body: { code: 400, message: 'bad' } }), true, 0).action, 'fail');
    assert.equal(reconnectDecision(Object.assign(new Error('gone'), { code: 410, body: { code: 410, reason: 'Expired' } }), true, 0).action, 'relist');
  });
});

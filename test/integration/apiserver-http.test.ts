// The test API server over raw HTTPS: exact Status bodies, resourceVersion/generation bookkeeping, the status
// subresource, watches replayed from a resourceVersion, pod logs with follow, and the patch algorithms.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { startTestCluster, type TestCluster } from '../support/apiserver/index';
import { jsonPatch, mergePatch, strategicMergePatch } from '../support/apiserver/patch';

const CV = '/apis/config.openshift.io/v1/clusterversions/version';
const override = (name: string, extra: object = {}) => ({ kind: 'Deployment', group: 'apps', namespace: 'demo', name, unmanaged: true, ...extra });

/** Reads a streaming response until `until` says stop; returns the lines. */
function stream(cluster: TestCluster, path: string, until: (lines: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.url}${path}`, { ca: Buffer.from(cluster.caData, 'base64'), headers: { Authorization: `Bearer ${cluster.tokens.admin}` } }, (res) => {
      const lines: string[] = [];
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        lines.push(...parts);
        if (until(lines)) {
          req.destroy();
          resolve(lines);
        }
      });
      res.on('end', () => resolve(lines));
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
}

describe('test API server over HTTPS', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await startTestCluster();
    await apiRequest(cluster, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'demo' } } });
  });
  after(() => cluster.stop());

  it('answers 401 with a Status body for a missing or wrong token', async () => {
    const r = await apiRequest(cluster, 'GET', '/api', { token: 'nope' });
    assert.equal(r.code, 401);
    assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it('serves discovery with short names and subresources', async () => {
    const core = (await apiRequest(cluster, 'GET', '/api/v1')).json;
    const names = core.resources.map((r: { name: string }) => r.name);
    assert.ok(names.includes('pods/log') && names.includes('namespaces'));
    assert.deepEqual(core.resources.find((r: { name: string }) => r.name === 'pods').shortNames, ['po']);
    const config = (await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1')).json;
    const co = config.resources.find((r: { name: string }) => r.name === 'clusteroperators');
    assert.deepEqual([co.namespaced, co.kind, co.shortNames], [false, 'ClusterOperator', ['co']]);
    const groups = (await apiRequest(cluster, 'GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
    assert.deepEqual(groups.sort(), ['apps', 'config.openshift.io']);
  });

  it('returns NotFound, Invalid and Conflict Status objects shaped like the API server', async () => {
    const nf = await apiRequest(cluster, 'GET', '/apis/apps/v1/namespaces/demo/deployments/nope');
    assert.deepEqual(nf.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'deployments.apps "nope" not found', reason: 'NotFound', details: { name: 'nope', group: 'apps', kind: 'deployments' }, code: 404 });

    const missing = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/merge-patch+json', body: { spec: { overrides: [{ kind: 'Deployment', group: 'apps', namespace: 'demo', name: 'x' }] } } });
    assert.equal(missing.code, 422);
    assert.equal(missing.json.message, 'ClusterVersion.config.openshift.io "version" is invalid: spec.overrides[0].unmanaged: Required value');
    assert.deepEqual(missing.json.details, { name: 'version', group: 'config.openshift.io', kind: 'ClusterVersion', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.overrides[0].unmanaged' }] });

    const typed = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/merge-patch+json', body: { spec: { overrides: [override('x', { unmanaged: 'true' })] } } });
    assert.equal(typed.json.message, 'ClusterVersion.config.openshift.io "version" is invalid: spec.overrides[0].unmanaged: Invalid value: "string": spec.overrides[0].unmanaged in body must be of type boolean: "string"');

    const dup = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/merge-patch+json', body: { spec: { overrides: [override('x'), override('x', { unmanaged: false })] } } });
    assert.equal(dup.code, 422);
    assert.match(dup.json.message, /spec\.overrides\[1\]: Duplicate value: map\[string\]interface \{\}\{"group":"apps", "kind":"Deployment", "name":"x", "namespace":"demo"\}/);

    const current = (await apiRequest(cluster, 'GET', CV)).json;
    const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1' } };
    const conflict = await apiRequest(cluster, 'PUT', CV, { body: stale });
    assert.equal(conflict.code, 409);
    assert.equal(conflict.json.reason, 'Conflict');
    assert.deepEqual(conflict.json.details, { name: 'version', group: 'config.openshift.io', kind: 'clusterversions' });

    const sm = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/strategic-merge-patch+json', body: { spec: {} } });
    assert.equal(sm.code, 415, 'custom resources take no strategic merge patch');
  });

  it('fails a JSON patch test op with 422 Invalid, and appends only when the test holds', async () => {
    const cv = (await apiRequest(cluster, 'GET', CV)).json;
    const bad = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/json-patch+json', body: [{ op: 'test', path: '/metadata/resourceVersion', value: '1' }, { op: 'add', path: '/spec/overrides', value: [] }] });
    assert.equal(bad.code, 422);
    assert.deepEqual([bad.json.reason, bad.json.message], ['Invalid', 'the server rejected our request due to an error in our request']);
    const noList = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/json-patch+json', body: [{ op: 'add', path: '/spec/overrides/-', value: override('a') }] });
    assert.equal(noList.code, 422, 'add /spec/overrides/- fails while the list does not exist');
    const good = await apiRequest(cluster, 'PATCH', `${CV}?fieldManager=okd-dev`, { contentType: 'application/json-patch+json', body: [
      { op: 'test', path: '/metadata/resourceVersion', value: cv.metadata.resourceVersion },
      { op: 'add', path: '/spec/overrides', value: [override('a')] },
    ] });
    assert.equal(good.code, 200, good.text);
    assert.equal(good.json.metadata.generation, cv.metadata.generation + 1);
    assert.ok(Number(good.json.metadata.resourceVersion) > Number(cv.metadata.resourceVersion));
  });

  it('writes status only through the status subresource, without a generation bump', async () => {
    const before = (await apiRequest(cluster, 'GET', CV)).json;
    const main = await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/merge-patch+json', body: { status: { versionHash: 'ignored' } } });
    assert.equal(main.json.status.versionHash, before.status.versionHash);
    const st = await apiRequest(cluster, 'PATCH', `${CV}/status`, { contentType: 'application/merge-patch+json', body: { status: { versionHash: 'abc=' } } });
    assert.equal(st.code, 200, st.text);
    assert.equal(st.json.status.versionHash, 'abc=');
    assert.equal(st.json.metadata.generation, before.metadata.generation);
  });

  it('replays watch events after a resourceVersion and filters by field selector', async () => {
    const rv = (await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/clusterversions')).json.metadata.resourceVersion;
    await apiRequest(cluster, 'PATCH', CV, { contentType: 'application/merge-patch+json', body: { spec: { channel: 'fast-scos-4' } } });
    const lines = await stream(cluster, `/apis/config.openshift.io/v1/clusterversions?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dversion`, (l) => l.length >= 1);
    const ev = JSON.parse(lines[0]);
    assert.equal(ev.type, 'MODIFIED');
    assert.equal(ev.object.spec.channel, 'fast-scos-4');
    const none = await stream(cluster, '/apis/config.openshift.io/v1/clusterversions?watch=true&fieldSelector=metadata.name%3Dother&timeoutSeconds=1', () => false);
    assert.deepEqual(none, []);
  });

  it('runs pods for a Deployment, streams their logs and reports CrashLoopBackOff on request', async () => {
    const body = { metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'quay.io/demo/web:v1' }] } } } };
    assert.equal((await apiRequest(cluster, 'POST', '/apis/apps/v1/namespaces/demo/deployments', { body })).code, 201);
    const pod = await eventually(async () => {
      const items = (await apiRequest(cluster, 'GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb')).json.items;
      return items[0]?.status.phase === 'Running' && items[0];
    });
    assert.match(pod.metadata.name, /^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
    assert.equal(pod.metadata.ownerReferences[0].kind, 'ReplicaSet');
    const logPath = `/api/v1/namespaces/demo/pods/${pod.metadata.name}/log?follow=true`;
    // Append once the server follows the log for this request, so that the line comes through the follow.
    const following = new Promise<void>((resolve) => {
      const original = cluster.logs.follow.bind(cluster.logs);
      cluster.logs.follow = (...args) => {
        cluster.logs.follow = original;
        const unfollow = original(...args);
        resolve();
        return unfollow;
      };
    });
    const follow = stream(cluster, logPath, (l) => l.includes('later line'));
    await following;
    cluster.logs.append('demo', pod.metadata.name, 'web', 'later line');
    assert.deepEqual((await follow).slice(-1), ['later line']);

    cluster.failImage('quay.io/demo/web:v2', 'CrashLoopBackOff');
    await apiRequest(cluster, 'PATCH', '/apis/apps/v1/namespaces/demo/deployments/web', { contentType: 'application/strategic-merge-patch+json', body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'quay.io/demo/web:v2' }] } } } } });
    const crashing = await eventually(async () => {
      const items = (await apiRequest(cluster, 'GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb')).json.items;
      return items.find((p: { status: { containerStatuses?: Array<{ state: { waiting?: { reason: string } } }> } }) => p.status.containerStatuses?.[0].state.waiting?.reason === 'CrashLoopBackOff');
    });
    assert.equal(crashing.status.containerStatuses[0].ready, false);
    const d = (await apiRequest(cluster, 'GET', '/apis/apps/v1/namespaces/demo/deployments/web')).json;
    assert.equal(d.metadata.generation, 2);
    await eventually(async () => {
      const s = (await apiRequest(cluster, 'GET', '/apis/apps/v1/namespaces/demo/deployments/web')).json.status;
      return s.observedGeneration === 2 && s.updatedReplicas === 1 && s.replicas === 2 && s.unavailableReplicas === 1;
    });
  });
});

describe('patch algorithms', () => {
  it('merge patch (RFC 7386) replaces lists and deletes with null', () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null }), { a: { b: 1, c: [3] } });
  });

  it('JSON patch (RFC 6902) applies add/replace/remove/move/copy and rejects a failed test', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    assert.deepEqual(jsonPatch(doc, [
      { op: 'add', path: '/a/-', value: 3 }, { op: 'replace', path: '/b/c', value: 'y' }, { op: 'copy', from: '/b/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e' }, { op: 'remove', path: '/a/0' }, { op: 'test', path: '/e', value: 'y' },
    ]), { a: [2, 3], b: { c: 'y' }, e: 'y' });
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 'z' }]), /rejected our request/);
    assert.throws(() => jsonPatch(doc, [{ op: 'replace', path: '/zz', value: 1 }]), /rejected our request/);
  });

  it('strategic merge patch merges containers and env by name and honours $patch: delete and element order', () => {
    const spec = { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b', image: 'b:1' }] };
    const out = strategicMergePatch(spec, {
      '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
      containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', $patch: 'delete' }, { name: 'Z', value: '3' }] }],
    });
    assert.deepEqual(out, { containers: [{ name: 'b', image: 'b:1' }, { name: 'a', image: 'a:2', env: [{ name: 'X', value: '1' }, { name: 'Z', value: '3' }] }] });
  });
});

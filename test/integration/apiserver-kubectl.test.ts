// The test API server judged by the real kubectl: discovery, get/patch/replace/set image/rollout status/get -w,
// and the error statuses (401, 403, 409, 422) as kubectl reports them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiRequest, kubectl, kubectlEnv, kubectlStream } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { fakePayloadSource, startTestCluster, type TestCluster } from '../support/apiserver/index';

const RELEASE = { version: '4.19.0-okd-scos.16', image: `quay.io/okd/scos-release@sha256:${'1'.repeat(64)}` };

describe('test API server with kubectl', () => {
  let cluster: TestCluster;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    cluster = await startTestCluster({
      release: RELEASE,
      payloadSource: fakePayloadSource({ [RELEASE.image]: { version: RELEASE.version } }),
      imageExists: async (pullspec) => !pullspec.includes('does-not-exist'),
      progressDeadlineScale: 0.002, // 600 s → 1.2 s
    });
    env = kubectlEnv(cluster);
    await cluster.cvo?.payloadAppliedFor(RELEASE.image);
    await apiRequest(cluster, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } } });
    const created = await apiRequest(cluster, 'POST', '/apis/apps/v1/namespaces/demo/deployments', {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'hello' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'hello' } },
          template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'c', image: 'quay.io/demo/hello:v1', env: [{ name: 'A', value: '1' }] }] } },
        },
      },
    });
    assert.equal(created.code, 201, created.text);
  });

  after(() => cluster.stop());

  it('gets the ClusterVersion as JSON after discovery (aggregated discovery falls back to plain lists)', async () => {
    const r = await kubectl(env, ['get', 'clusterversion', 'version', '-o', 'json', '-v=6']);
    assert.equal(r.code, 0, r.stderr);
    const cv = JSON.parse(r.stdout);
    assert.equal(cv.kind, 'ClusterVersion');
    assert.equal(cv.status.desired.image, RELEASE.image);
    assert.match(r.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/apis\/config\.openshift\.io\/v1\?timeout=\d+s 200 OK/);
  });

  it('lists deployments in all namespaces and cluster operators by short name', async () => {
    const deploy = await kubectl(env, ['get', 'deploy', '-A']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(deploy.stdout, /^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(deploy.stdout, /openshift-image-registry\s+cluster-image-registry-operator\s+1\/1\s+1\s+1\s/);
    assert.match(deploy.stdout, /demo\s+hello/);
    const co = await kubectl(env, ['get', 'co']);
    assert.equal(co.code, 0, co.stderr);
    assert.match(co.stdout, /^NAME\s+VERSION\s+AVAILABLE\s+PROGRESSING\s+DEGRADED\s+SINCE\s+MESSAGE/);
    for (const name of ['image-registry', 'monitoring', 'openshift-samples']) {
      assert.match(co.stdout, new RegExp(`^${name}\\s+${RELEASE.version.replace(/\./g, '\\.')}\\s+True\\s+False\\s+False\\s`, 'm'));
    }
  });

  it('merge-patches overrides and rejects an incomplete override with 422', async () => {
    const ok = await kubectl(env, ['patch', 'clusterversion', 'version', '--type=merge', '-p',
      JSON.stringify({ spec: { overrides: [{ kind: 'Deployment', group: 'apps', namespace: 'demo', name: 'hello', unmanaged: true }] } })]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /clusterversion\.config\.openshift\.io\/version patched/);
    const bad = await kubectl(env, ['patch', 'clusterversion', 'version', '--type=merge', '-p',
      JSON.stringify({ spec: { overrides: [{ kind: 'Deployment', group: 'apps', namespace: 'demo', name: 'hello' }] } })]);
    assert.notEqual(bad.code, 0);
    // kubectl rebuilds the message from details (kind, name, causes); the raw Status is checked in apiserver-http.
    assert.match(bad.stderr, /The ClusterVersion "version" is invalid: spec\.overrides\[0\]\.unmanaged: Required value/);
  });

  it('fails a JSON patch whose test op does not hold, leaving the object alone', async () => {
    const before = (await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/clusterversions/version')).json;
    const r = await kubectl(env, ['patch', 'clusterversion', 'version', '--type=json', '-p', JSON.stringify([
      { op: 'test', path: '/metadata/resourceVersion', value: '1' },
      { op: 'add', path: '/spec/overrides/-', value: { kind: 'Deployment', group: 'apps', namespace: 'x', name: 'y', unmanaged: true } },
    ])]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The request is invalid: the server rejected our request due to an error in our request/);
    const afterwards = (await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/clusterversions/version')).json;
    assert.deepEqual(afterwards.spec, before.spec);
  });

  it('sets an image with a strategic merge patch and rolls out', async () => {
    const set = await kubectl(env, ['-n', 'demo', 'set', 'image', 'deploy/hello', 'c=quay.io/demo/hello:v2']);
    assert.equal(set.code, 0, set.stderr);
    const r = await kubectl(env, ['-n', 'demo', 'rollout', 'status', 'deploy/hello', '--timeout=15s']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /deployment "hello" successfully rolled out/);
    const d = (await apiRequest(cluster, 'GET', '/apis/apps/v1/namespaces/demo/deployments/hello')).json;
    assert.equal(d.spec.template.spec.containers[0].image, 'quay.io/demo/hello:v2');
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    const pods = (await apiRequest(cluster, 'GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dhello')).json.items;
    assert.equal(pods.length, 1);
    assert.equal(pods[0].spec.containers[0].image, 'quay.io/demo/hello:v2');
    const logs = await kubectl(env, ['-n', 'demo', 'logs', pods[0].metadata.name]);
    assert.match(logs.stdout, /starting c image=quay\.io\/demo\/hello:v2/);
  });

  it('reports ImagePullBackOff and fails rollout status after the progress deadline', async () => {
    const set = await kubectl(env, ['-n', 'demo', 'set', 'image', 'deploy/hello', 'c=quay.io/demo/does-not-exist:v1']);
    assert.equal(set.code, 0, set.stderr);
    const r = await kubectl(env, ['-n', 'demo', 'rollout', 'status', 'deploy/hello', '--timeout=15s']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deployment "hello" exceeded its progress deadline/);
    const pods = (await apiRequest(cluster, 'GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dhello')).json.items;
    const waiting = pods.map((p: { status: { containerStatuses: Array<{ state: { waiting?: { reason: string } } }> } }) => p.status.containerStatuses[0].state.waiting?.reason);
    assert.ok(waiting.includes('ImagePullBackOff'), JSON.stringify(waiting));
    assert.equal(pods.length, 2, 'the old pod keeps running during a rolling update');
  });

  it('watches the ClusterVersion with get -w', async () => {
    const w = kubectlStream(env, ['get', 'clusterversion', 'version', '-w']);
    try {
      const first = await w.waitForLines(2);
      assert.match(first[0], /^NAME\s+VERSION\s+AVAILABLE\s+PROGRESSING\s+SINCE\s+STATUS/);
      assert.match(first[1], /^version\s/);
      await kubectl(env, ['patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"channel":"stable-scos-4.20"}}']);
      const lines = await w.waitForLines(3);
      assert.match(lines[2], /^version\s/);
    } finally {
      w.child.kill();
    }
  });

  it('answers 401 for a wrong or expired token and 403 for the viewer on a write', async () => {
    const wrong = await kubectl(env, ['--token=sha256~wrong', 'get', 'co']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Unauthorized|must be logged in/);
    const viewerRead = await kubectl(env, ['--context=viewer', 'get', 'co']);
    assert.equal(viewerRead.code, 0, viewerRead.stderr);
    const viewerWrite = await kubectl(env, ['--context=viewer', 'patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"channel":"x"}}']);
    assert.notEqual(viewerWrite.code, 0);
    assert.match(viewerWrite.stderr, /Error from server \(Forbidden\): clusterversions\.config\.openshift\.io "version" is forbidden: User "viewer" cannot patch resource "clusterversions"/);
    cluster.expireToken(cluster.tokens.readOnly);
    const expired = await kubectl(env, ['--context=viewer', 'get', 'co']);
    assert.notEqual(expired.code, 0);
    assert.match(expired.stderr, /Unauthorized|must be logged in/);
  });

  it('rejects a replace with a stale resourceVersion with 409 Conflict', async () => {
    const stale = await kubectl(env, ['get', 'clusterversion', 'version', '-o', 'json']);
    await kubectl(env, ['patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"channel":"stable-scos-4"}}']);
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'okd-replace-')), 'cv.json');
    await writeFile(file, stale.stdout);
    const r = await kubectl(env, ['replace', '--validate=false', '-f', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Operation cannot be fulfilled on clusterversions\.config\.openshift\.io "version": the object has been modified/);
    await eventually(async () => (await apiRequest(cluster, 'GET', '/version')).code === 200);
  });
});

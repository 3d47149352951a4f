// The test cluster (a real kube-apiserver with its controllers, the test cluster's CVO and node agent) judged by
// the real kubectl: discovery, get/patch/replace/set image/rollout status/logs/get -w, and the error statuses
// (401, 403, 409, 422) as kubectl reports them.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRequest, kubectl, kubectlEnv, kubectlStream } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { pushComponentImage } from '../support/cluster/payload';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';

const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';
const HELLO_PATH = '/apis/apps/v1/namespaces/demo/deployments/hello';
const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface PodStatus {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: { image: string }[] };
  status: { phase: string; containerStatuses?: { imageID: string; state: { waiting?: { reason: string; message?: string } } }[] };
}

describe('the test cluster with kubectl', { timeout: 300_000 }, () => {
  let pc: OkdPayloadCluster;
  let env: NodeJS.ProcessEnv;
  /** demo/hello:v1 and :v2 in the test registry (tag pullspecs), and what they resolve to (digest pullspecs). */
  let v1: string;
  let v2: string;
  let v2Digest: string;

  const helloPods = async (): Promise<PodStatus[]> => (await apiRequest(pc.cluster, 'GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dhello')).json.items;

  before(async () => {
    pc = await startOkdPayloadCluster();
    env = kubectlEnv(pc.cluster);
    const host = pc.registry.host;
    await pushComponentImage(pc.client, host, 'demo/hello', 'v1', 'hello-v1');
    v2Digest = await pushComponentImage(pc.client, host, 'demo/hello', 'v2', 'hello-v2');
    v1 = `${host}/demo/hello:v1`;
    v2 = `${host}/demo/hello:v2`;
    const ns = await apiRequest(pc.cluster, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } } });
    assert.equal(ns.code, 201, ns.text);
    // Pods are refused until the serviceaccount controller has made the namespace's default ServiceAccount.
    await eventually(async () => (await apiRequest(pc.cluster, 'GET', '/api/v1/namespaces/demo/serviceaccounts/default')).code === 200, 60_000, 'the default ServiceAccount of demo');
    const created = await apiRequest(pc.cluster, 'POST', '/apis/apps/v1/namespaces/demo/deployments', {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'hello' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'hello' } },
          template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'c', image: v1, env: [{ name: 'A', value: '1' }] }] } },
        },
      },
    });
    assert.equal(created.code, 201, created.text);
    const rolledOut = await kubectl(env, ['-n', 'demo', 'rollout', 'status', 'deploy/hello', '--timeout=120s'], 150_000);
    assert.equal(rolledOut.code, 0, rolledOut.stderr + rolledOut.stdout);
  });

  after(() => pc?.stop());

  it('gets the ClusterVersion as JSON after discovery (the server serves aggregated discovery)', async () => {
    // A fresh HOME: no discovery cache from the commands before.
    const r = await kubectl(kubectlEnv(pc.cluster), ['get', 'clusterversion', 'version', '-o', 'json', '-v=6']);
    assert.equal(r.code, 0, r.stderr);
    const cv = JSON.parse(r.stdout);
    assert.equal(cv.kind, 'ClusterVersion');
    assert.equal(cv.status.desired.image, pc.image);
    assert.equal(cv.status.desired.version, pc.release.version);
    // kubectl reads /api and /apis, finds config.openshift.io in the aggregated answer without asking its group
    // version, and reads the object.
    assert.match(r.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/apis\?timeout=\d+s 200 OK/);
    assert.doesNotMatch(r.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/apis\/config\.openshift\.io\/v1\?timeout=/);
    assert.match(r.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/apis\/config\.openshift\.io\/v1\/clusterversions\/version 200 OK/);
  });

  it('lists deployments in all namespaces and cluster operators by short name', async () => {
    const deploy = await kubectl(env, ['get', 'deploy', '-A']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(deploy.stdout, /^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    assert.match(deploy.stdout, /^openshift-image-registry\s+cluster-image-registry-operator\s+1\/1\s+1\s+1\s/m);
    assert.match(deploy.stdout, /^demo\s+hello\s+1\/1\s+1\s+1\s/m);
    const co = await kubectl(env, ['get', 'co']);
    assert.equal(co.code, 0, co.stderr);
    // The ClusterOperator CRD as the payload ships it has these printer columns (no MESSAGE).
    assert.match(co.stdout, /^NAME\s+VERSION\s+AVAILABLE\s+PROGRESSING\s+DEGRADED\s+SINCE\n/);
    for (const name of ['image-registry', 'monitoring', 'openshift-samples']) {
      assert.match(co.stdout, new RegExp(`^${name}\\s+${quote(pc.release.version)}\\s+True\\s+False\\s+False\\s+\\d+[smh]`, 'm'));
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
    // kubectl rebuilds the message from the Status details (kind, name, causes), one cause a line.
    assert.match(bad.stderr, /^The ClusterVersion "version" is invalid: \n\* spec\.overrides\[0\]\.unmanaged: Required value$/m);
    const overrides = (await apiRequest(pc.cluster, 'GET', CV_PATH)).json.spec.overrides;
    assert.deepEqual(overrides, [{ kind: 'Deployment', group: 'apps', namespace: 'demo', name: 'hello', unmanaged: true }], 'the refused patch changed nothing');
  });

  it('fails a JSON patch whose test op does not hold, leaving the object alone', async () => {
    const before = (await apiRequest(pc.cluster, 'GET', CV_PATH)).json;
    assert.notEqual(before.metadata.resourceVersion, '1');
    const r = await kubectl(env, ['patch', 'clusterversion', 'version', '--type=json', '-p', JSON.stringify([
      { op: 'test', path: '/metadata/resourceVersion', value: '1' },
      { op: 'add', path: '/spec/overrides/-', value: { kind: 'Deployment', group: 'apps', namespace: 'x', name: 'y', unmanaged: true } },
    ])]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The request is invalid: the server rejected our request due to an error in our request/);
    const afterwards = (await apiRequest(pc.cluster, 'GET', CV_PATH)).json;
    assert.deepEqual(afterwards.spec, before.spec);
  });

  it('sets an image with a strategic merge patch and rolls out; kubectl logs shows the run of the new image', async () => {
    const set = await kubectl(env, ['-n', 'demo', 'set', 'image', 'deploy/hello', `c=${v2}`]);
    assert.equal(set.code, 0, set.stderr);
    const r = await kubectl(env, ['-n', 'demo', 'rollout', 'status', 'deploy/hello', '--timeout=120s'], 150_000);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /deployment "hello" successfully rolled out/);
    const d = (await apiRequest(pc.cluster, 'GET', HELLO_PATH)).json;
    assert.equal(d.spec.template.spec.containers[0].image, v2);
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    // The old pod is stopped and removed by the node agent once the ReplicaSet controller deleted it.
    const pods = await eventually(async () => {
      const items = await helloPods();
      return items.length === 1 && !items[0]?.metadata.deletionTimestamp ? items : undefined;
    }, 60_000, 'one pod of hello');
    assert.ok(pods);
    const [pod] = pods;
    assert.ok(pod);
    assert.equal(pod.spec.containers[0]?.image, v2);
    assert.equal(pod.status.phase, 'Running');
    // The node agent resolved the tag in the registry: the imageID is the digest pullspec of what was pushed as v2.
    assert.equal(pod.status.containerStatuses?.[0]?.imageID, v2Digest);
    const logs = await kubectl(env, ['-n', 'demo', 'logs', pod.metadata.name]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z started container c image ${quote(v2Digest)}$`, 'm'));
  });

  it('reports ImagePullBackOff and fails rollout status after the progress deadline', async () => {
    // A small deadline (a spec change, no new rollout), then a tag the registry does not have.
    const deadline = await kubectl(env, ['-n', 'demo', 'patch', 'deploy/hello', '--type=merge', '-p', '{"spec":{"progressDeadlineSeconds":5}}']);
    assert.equal(deadline.code, 0, deadline.stderr);
    const missing = `${pc.registry.host}/demo/hello:does-not-exist`;
    const set = await kubectl(env, ['-n', 'demo', 'set', 'image', 'deploy/hello', `c=${missing}`]);
    assert.equal(set.code, 0, set.stderr);
    const r = await kubectl(env, ['-n', 'demo', 'rollout', 'status', 'deploy/hello', '--timeout=120s'], 150_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deployment "hello" exceeded its progress deadline/);
    const progressing = (await apiRequest(pc.cluster, 'GET', HELLO_PATH)).json.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
    assert.deepEqual([progressing.status, progressing.reason], ['False', 'ProgressDeadlineExceeded']);
    // The new pod backs off (the node agent alternates ErrImagePull and ImagePullBackOff, as the kubelet does).
    const waiting = await eventually(async () => {
      const reasons = (await helloPods()).map((p) => p.status.containerStatuses?.[0]?.state.waiting);
      return reasons.find((w) => w?.reason === 'ImagePullBackOff');
    }, 60_000, 'a hello pod in ImagePullBackOff');
    assert.match(waiting?.message ?? '', new RegExp(`^Back-off pulling image "${quote(missing)}": ErrImagePull: .*manifest unknown`));
    const pods = await helloPods();
    assert.deepEqual(
      pods.map((p) => [p.spec.containers[0]?.image, p.status.phase]).sort(),
      [[missing, 'Pending'], [v2, 'Running']],
      'the old pod keeps running during a rolling update',
    );
  });

  it('watches the ClusterVersion with get -w', async () => {
    const w = kubectlStream(env, ['get', 'clusterversion', 'version', '-w']);
    // And one printing the channel, to see the change below arrive through a watch.
    const channels = kubectlStream(env, ['get', 'clusterversion', 'version', '-w', '-o', 'jsonpath={.spec.channel}{"\\n"}']);
    try {
      const first = await w.waitForLines(2);
      assert.match(first[0] ?? '', /^NAME\s+VERSION\s+AVAILABLE\s+PROGRESSING\s+SINCE\s+STATUS$/);
      assert.match(first[1] ?? '', new RegExp(`^version\\s+${quote(pc.release.version)}\\s+True\\s+False\\s+\\d+[smh]\\s+Cluster version is ${quote(pc.release.version)}$`));
      assert.deepEqual(await channels.waitForLines(1), ['stable-scos-4']);
      const patched = await kubectl(env, ['patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"channel":"stable-scos-4.20"}}']);
      assert.equal(patched.code, 0, patched.stderr);
      const lines = await w.waitForLines(3, 30_000);
      assert.match(lines[2] ?? '', /^version\s/);
      await eventually(() => channels.lines.includes('stable-scos-4.20'), 30_000, `the new channel through the watch (got ${JSON.stringify(channels.lines)})`);
    } finally {
      w.child.kill();
      channels.child.kill();
    }
  });

  it('answers 401 for a wrong or expired token and 403 for the viewer on a write', async () => {
    const wrong = await kubectl(env, ['--token=sha256~wrong', 'get', 'co']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /^error: You must be logged in to the server \(Unauthorized\)$/m);
    const viewerRead = await kubectl(env, ['--context=viewer', 'get', 'co']);
    assert.equal(viewerRead.code, 0, viewerRead.stderr);
    const viewerWrite = await kubectl(env, ['--context=viewer', 'patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"channel":"x"}}']);
    assert.notEqual(viewerWrite.code, 0);
    assert.match(viewerWrite.stderr, /Error from server \(Forbidden\): clusterversions\.config\.openshift\.io "version" is forbidden: User "viewer" cannot patch resource "clusterversions" in API group "config\.openshift\.io" at the cluster scope/);
    assert.equal((await apiRequest(pc.cluster, 'GET', CV_PATH)).json.spec.channel, 'stable-scos-4.20', 'the refused write changed nothing');

    // An expired token: a ServiceAccount's token that works, then stops working once the ServiceAccount is gone.
    const sa = await apiRequest(pc.cluster, 'POST', '/api/v1/namespaces/demo/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'short-lived' } } });
    assert.equal(sa.code, 201, sa.text);
    const bound = await apiRequest(pc.cluster, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'short-lived-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'okd-test-cluster-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'short-lived', namespace: 'demo' }],
      },
    });
    assert.equal(bound.code, 201, bound.text);
    const requested = await apiRequest(pc.cluster, 'POST', '/api/v1/namespaces/demo/serviceaccounts/short-lived/token', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    assert.equal(requested.code, 201, requested.text);
    const token: string = requested.json.status.token;
    // RBAC's informers see the binding a moment later.
    const works = await eventually(async () => {
      const r = await kubectl(env, [`--token=${token}`, 'get', 'co']);
      return r.code === 0 ? r : undefined;
    }, 30_000, 'the ServiceAccount token to be allowed to read');
    assert.match(works?.stdout ?? '', /^image-registry\s/m);
    const deleted = await apiRequest(pc.cluster, 'DELETE', '/api/v1/namespaces/demo/serviceaccounts/short-lived');
    assert.equal(deleted.code, 200, deleted.text);
    // The authenticator sees the deletion through its informer a moment later.
    const expired = await eventually(async () => {
      const r = await kubectl(env, [`--token=${token}`, 'get', 'co']);
      return r.code !== 0 ? r : undefined;
    }, 30_000, 'the API server to refuse the token of the deleted ServiceAccount');
    assert.match(expired?.stderr ?? '', /^error: You must be logged in to the server \(Unauthorized\)$/m);
  });

  it('rejects a replace with a stale resourceVersion with 409 Conflict', async () => {
    const stale = await kubectl(env, ['get', 'clusterversion', 'version', '-o', 'json']);
    assert.equal(stale.code, 0, stale.stderr);
    assert.equal(JSON.parse(stale.stdout).spec.channel, 'stable-scos-4.20');
    const patched = await kubectl(env, ['patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"channel":"stable-scos-4.21"}}']);
    assert.equal(patched.code, 0, patched.stderr);
    const file = join(await mkdtemp(join(tmpdir(), 'okd-replace-')), 'cv.json');
    await writeFile(file, stale.stdout);
    const r = await kubectl(env, ['replace', '--validate=false', '-f', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(Conflict\): error when replacing ".*cv\.json": Operation cannot be fulfilled on clusterversions\.config\.openshift\.io "version": the object has been modified; please apply your changes to the latest version and try again/);
    assert.equal((await apiRequest(pc.cluster, 'GET', CV_PATH)).json.spec.channel, 'stable-scos-4.21', 'the stale replace did not win');
  });
});

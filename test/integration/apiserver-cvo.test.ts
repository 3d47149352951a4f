// The test cluster's CVO: drift on managed Deployments is reverted, `unmanaged: true` overrides
// stop it and set Upgradeable=False, removing them restores the payload, and spec.desiredUpdate switches payloads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { type ClusterVersionOperator, componentPullspec, fakePayloadSource, startTestCluster, type TestCluster } from '../support/apiserver/index';

const A = { version: '4.19.0-okd-scos.16', image: `quay.io/okd/scos-release@sha256:${'a'.repeat(64)}` };
const B = { version: '4.19.0-okd-scos.17', image: `quay.io/okd/scos-release@sha256:${'b'.repeat(64)}` };
const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';
const DEPLOY_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}`;
const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';
const OVERRIDE = { kind: 'Deployment', group: 'apps', namespace: NS, name: NAME, unmanaged: true };
const DEV_IMAGE = `127.0.0.1:5000/dev/cluster-image-registry-operator@sha256:${'d'.repeat(64)}`;

/**
 * Resolves after the CVO has run `n` more full reconciles (each applies every managed object): a state to wait
 * for before asserting what it left alone, instead of a sleep that only an idle machine fits in its resync period.
 */
function cvoReconciles(cvo: ClusterVersionOperator | undefined, n = 2, timeoutMs = 15_000): Promise<void> {
  assert.ok(cvo, 'the test cluster runs a CVO');
  return new Promise((resolve, reject) => {
    let left = n;
    const onApplied = () => {
      if (--left > 0) return;
      clearTimeout(timer);
      cvo.off('applied', onApplied);
      resolve();
    };
    const timer = setTimeout(() => {
      cvo.off('applied', onApplied);
      reject(new Error(`the CVO did not reconcile ${n} times in ${timeoutMs} ms`));
    }, timeoutMs);
    cvo.on('applied', onApplied);
  });
}

describe('test cluster CVO', () => {
  let cluster: TestCluster;

  const image = async () => (await apiRequest(cluster, 'GET', DEPLOY_PATH)).json.spec.template.spec.containers[0].image as string;
  const cv = async () => (await apiRequest(cluster, 'GET', CV_PATH)).json;
  const condition = async (type: string) => (await cv()).status.conditions.find((c: { type: string }) => c.type === type);
  const setImage = (img: string) =>
    apiRequest(cluster, 'PATCH', DEPLOY_PATH, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: NAME, image: img }] } } } },
    });
  const mergeCv = (patch: object) => apiRequest(cluster, 'PATCH', CV_PATH, { contentType: 'application/merge-patch+json', body: patch });

  before(async () => {
    cluster = await startTestCluster({ release: A, payloadSource: fakePayloadSource({ [A.image]: A, [B.image]: B }) });
    await cluster.cvo?.payloadAppliedFor(A.image);
  });

  after(() => cluster.stop());

  it('applies the payload with digest pullspecs and reports operators at its version', async () => {
    assert.equal(await image(), componentPullspec('cluster-image-registry-operator', A));
    const co = (await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/clusteroperators/image-registry')).json;
    assert.deepEqual(co.status.versions, [{ name: 'operator', version: A.version }]);
    assert.equal((await condition('Upgradeable')).status, 'True');
  });

  it('reverts a manual image change when there is no override', async () => {
    const patched = await setImage(DEV_IMAGE);
    assert.equal(patched.code, 200, patched.text);
    // It reacts to the change (and resyncs every 300 ms besides); the limit is only for a CVO that never reverts.
    await eventually(async () => (await image()) === componentPullspec('cluster-image-registry-operator', A), 15_000, 'the CVO to revert the image');
  });

  it('leaves an unmanaged Deployment alone and reports Upgradeable=False', async () => {
    assert.equal((await mergeCv({ spec: { overrides: [OVERRIDE] } })).code, 200);
    assert.equal((await setImage(DEV_IMAGE)).code, 200);
    await cvoReconciles(cluster.cvo);
    assert.equal(await image(), DEV_IMAGE, 'the CVO reconciled and left the unmanaged Deployment alone');
    const upgradeable = await eventually(async () => {
      const c = await condition('Upgradeable');
      return c.status === 'False' && c;
    });
    assert.equal(upgradeable.reason, 'ClusterVersionOverridesSet');
  });

  it('puts the payload image back once the override is removed', async () => {
    assert.equal((await mergeCv({ spec: { overrides: null } })).code, 200);
    await eventually(async () => (await image()) === componentPullspec('cluster-image-registry-operator', A), 15_000, 'the payload image');
    await eventually(async () => (await condition('Upgradeable')).status === 'True');
  });

  it('follows spec.desiredUpdate to a new payload and records history', async () => {
    assert.equal((await mergeCv({ spec: { desiredUpdate: { image: B.image, version: B.version, force: true } } })).code, 200);
    await cluster.cvo?.payloadAppliedFor(B.image);
    const s = (await cv()).status;
    assert.deepEqual(s.desired, { image: B.image, version: B.version });
    assert.deepEqual(
      s.history.map((h: { image: string; state: string }) => [h.image, h.state]),
      [[B.image, 'Completed'], [A.image, 'Completed']],
    );
    assert.ok(s.history[0].completionTime);
    assert.equal(await image(), componentPullspec('cluster-image-registry-operator', B));
    const d = (await apiRequest(cluster, 'GET', DEPLOY_PATH)).json;
    const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
    assert.equal(env.OPERATOR_IMAGE, componentPullspec('cluster-image-registry-operator', B));
    assert.equal(env.RELEASE_VERSION, B.version);
    const co = (await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/clusteroperators/image-registry')).json;
    assert.deepEqual(co.status.versions, [{ name: 'operator', version: B.version }]);
    assert.equal((await condition('Progressing')).status, 'False');
  });

  it('reports a payload it cannot load in ReleaseAccepted', async () => {
    const missing = `quay.io/okd/scos-release@sha256:${'c'.repeat(64)}`;
    assert.equal((await mergeCv({ spec: { desiredUpdate: { image: missing, force: true } } })).code, 200);
    const c = await eventually(async () => {
      const r = await condition('ReleaseAccepted');
      return r.status === 'False' && r;
    });
    assert.equal(c.reason, 'RetrievePayload');
    assert.equal((await cv()).status.desired.image, B.image);
  });
});

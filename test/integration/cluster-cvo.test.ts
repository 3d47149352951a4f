// The test cluster's cluster-version operator, judged through the API server: it applies the payload with digest
// pullspecs and reports the operators at its version, reports Upgradeable=False while an `unmanaged: true`
// override exists (and drops it once removed), follows spec.desiredUpdate to a second payload recording history,
// and reports a payload it cannot load in ReleaseAccepted while the running release stays.
// Drift revert without an override, an overridden Deployment left alone and the payload image put back once the
// override is gone are in cluster-cycle.test.ts; an upgrade to a custom payload (okd-dev release new) with history
// is in cluster-upgrade.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { FIXTURE_OPERATORS, pushRegistryPayload, type RegistryPayload } from '../support/cluster/payload';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';

const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';
const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';
const OVERRIDE = { kind: 'Deployment', group: 'apps', namespace: NS, name: NAME, unmanaged: true };
/** The ClusterOperator each fixture operator's payload manifests declare. */
const CLUSTER_OPERATORS: Record<string, string> = {
  'cluster-image-registry-operator': 'image-registry',
  'cluster-samples-operator': 'openshift-samples',
  'cluster-monitoring-operator': 'monitoring',
};
const B_VERSION = '4.19.0-okd-scos.17';

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

describe('the test cluster\'s cluster-version operator', { timeout: 300_000 }, () => {
  let pc: OkdPayloadCluster;
  let b: RegistryPayload;

  const get = async (path: string): Promise<any> => {
    const r = await apiRequest(pc.cluster, 'GET', path);
    assert.equal(r.code, 200, `GET ${path}: ${r.text}`);
    return r.json;
  };
  const deployment = (component: string) => get(`/apis/apps/v1/namespaces/${FIXTURE_OPERATORS.find((o) => o.component === component)?.namespace}/deployments/${component}`);
  const images = async (component: string) => ((await deployment(component)).spec.template.spec.containers as { image: string }[]).map((c) => c.image);
  const cv = () => get(CV_PATH);
  const condition = async (type: string): Promise<Condition | undefined> => ((await cv()).status.conditions as Condition[]).find((c) => c.type === type);
  const mergeCv = async (patch: object) => {
    const r = await apiRequest(pc.cluster, 'PATCH', CV_PATH, { contentType: 'application/merge-patch+json', body: patch });
    assert.equal(r.code, 200, r.text);
  };
  const operatorVersions = async (name: string) => (await get(`/apis/config.openshift.io/v1/clusteroperators/${name}`)).status.versions;

  before(async () => {
    pc = await startOkdPayloadCluster();
    b = await pushRegistryPayload(pc.client, pc.registry.host, B_VERSION);
  });

  after(() => pc?.stop());

  it('applies the payload with digest pullspecs and reports operators at its version', async () => {
    for (const { component } of FIXTURE_OPERATORS) {
      const pullspec = pc.release.images[component] ?? '';
      assert.match(pullspec, new RegExp(`^${pc.registry.host.replace(/\./g, '\\.')}/okd/scos-content@sha256:[0-9a-f]{64}$`));
      // Every container the operator's manifests name by its placeholder runs the payload's digest pullspec.
      const live = await images(component);
      assert.ok(live.length > 0);
      assert.deepEqual(live, live.map(() => pullspec), component);
      assert.deepEqual(await operatorVersions(CLUSTER_OPERATORS[component] ?? ''), [{ name: 'operator', version: pc.release.version }], component);
    }
    const env = Object.fromEntries(((await deployment(NAME)).spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.OPERATOR_IMAGE, pc.release.images[NAME]);
    assert.equal(env.RELEASE_VERSION, pc.release.version);
    // Without overrides the CVO has no reason to block upgrades: it removes the condition, as the real one does.
    assert.equal(await condition('Upgradeable'), undefined);
    assert.deepEqual((await cv()).status.desired, {
      image: pc.image,
      version: pc.release.version,
      url: `https://github.com/okd-project/okd/releases/tag/${pc.release.version}`,
      channels: ['stable-scos-4'],
    });
  });

  it('reports Upgradeable=False with reason ClusterVersionOverridesSet while an unmanaged override exists, and drops it once removed', async () => {
    await mergeCv({ spec: { overrides: [OVERRIDE] } });
    const upgradeable = await eventually(async () => {
      const c = await condition('Upgradeable');
      return c?.status === 'False' ? c : undefined;
    }, 60_000, 'Upgradeable=False');
    assert.deepEqual([upgradeable?.reason, upgradeable?.message], ['ClusterVersionOverridesSet', 'Disabling ownership via cluster version overrides prevents upgrades. Please remove overrides before continuing.']);
    // An override with unmanaged: false is no override of ownership.
    await mergeCv({ spec: { overrides: [{ ...OVERRIDE, unmanaged: false }] } });
    await eventually(async () => (await condition('Upgradeable')) === undefined, 60_000, 'the Upgradeable condition to go (unmanaged: false)');
    await mergeCv({ spec: { overrides: [OVERRIDE] } });
    await eventually(async () => (await condition('Upgradeable'))?.status === 'False', 60_000, 'Upgradeable=False again');
    await mergeCv({ spec: { overrides: null } });
    await eventually(async () => (await condition('Upgradeable')) === undefined, 60_000, 'the Upgradeable condition to go');
  });

  it('follows spec.desiredUpdate to a new payload and records history', async () => {
    const bImage = b.payload.digestPullSpec;
    await mergeCv({ spec: { desiredUpdate: { image: bImage, version: B_VERSION, force: true } } });
    await eventually(async () => {
      const h = (await cv()).status.history[0];
      return h.image === bImage && h.state === 'Completed';
    }, 180_000, `the CVO to complete the update to ${B_VERSION}`);
    const s = (await cv()).status;
    // desired comes from the new payload's release-metadata.
    assert.deepEqual(s.desired, { image: bImage, version: B_VERSION, url: `https://github.com/okd-project/okd/releases/tag/${B_VERSION}`, channels: ['stable-scos-4'] });
    assert.deepEqual(
      s.history.map((h: { image: string; version: string; state: string }) => [h.image, h.version, h.state]),
      [
        [bImage, B_VERSION, 'Completed'],
        [pc.image, pc.release.version, 'Completed'],
      ],
    );
    assert.ok(s.history[0].completionTime, 'the new entry is completed');
    assert.ok(s.history[1].completionTime >= s.history[1].startedTime, 'the old entry got its completionTime');
    const accepted = await condition('ReleaseAccepted');
    assert.deepEqual([accepted?.status, accepted?.reason], ['True', 'PayloadLoaded']);
    assert.match(accepted?.message ?? '', new RegExp(`^Payload loaded version="${B_VERSION.replace(/\./g, '\\.')}" image="${bImage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    const progressing = await condition('Progressing');
    assert.deepEqual([progressing?.status, progressing?.message], ['False', `Cluster version is ${B_VERSION}`]);
    // Every operator moved to the new payload's images and reports its version.
    for (const { component } of FIXTURE_OPERATORS) {
      const pullspec = b.images[component];
      assert.notEqual(pullspec, pc.release.images[component], `${component} has a new image in ${B_VERSION}`);
      const live = await images(component);
      assert.deepEqual(live, live.map(() => pullspec), component);
      assert.deepEqual(await operatorVersions(CLUSTER_OPERATORS[component] ?? ''), [{ name: 'operator', version: B_VERSION }], component);
    }
    const env = Object.fromEntries(((await deployment(NAME)).spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.OPERATOR_IMAGE, b.images[NAME]);
    assert.equal(env.RELEASE_VERSION, B_VERSION);
    // The CVO completes an update only once the payload's Deployments rolled out: the pod runs the new image.
    const pods = await eventually(async () => {
      const items = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`name=${NAME}`)}`)).items as { spec: { containers: { image: string }[] }; status: { phase: string } }[];
      return items.length === 1 ? items : undefined;
    }, 60_000, 'the old pod to go');
    assert.deepEqual(pods?.map((p) => [p.spec.containers[0]?.image, p.status.phase]), [[b.images[NAME], 'Running']]);
  });

  it('reports a payload it cannot load in ReleaseAccepted and keeps running the release it has', async () => {
    const bImage = b.payload.digestPullSpec;
    const missing = `${pc.registry.host}/okd/scos-release@sha256:${'c'.repeat(64)}`;
    // (A merge patch: version: null drops the version the update above gave, or it would be asked for too.)
    await mergeCv({ spec: { desiredUpdate: { image: missing, version: null, force: true } } });
    const c = await eventually(async () => {
      const r = await condition('ReleaseAccepted');
      return r?.status === 'False' ? r : undefined;
    }, 60_000, 'ReleaseAccepted=False');
    assert.equal(c?.reason, 'RetrievePayload');
    assert.equal(c?.message, `Retrieving payload failed version="" image="${missing}" failure=unable to read release image ${missing}: manifest unknown`);
    const s = (await cv()).status;
    assert.equal(s.desired.image, bImage);
    assert.deepEqual(s.history.map((h: { image: string; state: string }) => [h.image, h.state]), [[bImage, 'Completed'], [pc.image, 'Completed']]);
    // The CVO's own status says the same: still B, applied, the load failed.
    const cvo = (JSON.parse(await pc.cluster.admin('GET', '/status')) as { cvo: { version: string; completed: boolean; releaseAccepted: { failed: boolean; step: string; image: string } } }).cvo;
    assert.deepEqual([cvo.version, cvo.completed], [B_VERSION, true]);
    assert.deepEqual([cvo.releaseAccepted.failed, cvo.releaseAccepted.step, cvo.releaseAccepted.image], [true, 'RetrievePayload', missing]);
    assert.deepEqual(await images(NAME), [b.images[NAME]]);
  });
});

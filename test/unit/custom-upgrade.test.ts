// The pure parts of `cluster upgrade` and of the editor's upgrade confirmation: the desiredUpdate and its patch,
// where an upgrade stands from the ClusterVersion alone, and the text a user confirms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredUpdateFor, desiredUpdatePatch, type UpgradePlan, upgradeState, upgradeWarnings } from '../../src/core/cluster/upgrade';
import type { ClusterVersion } from '../../src/core/cluster/types';
import { formatDesiredUpdate, upgradeConfirmation, upgradeDoneText, upgradeProgressText } from '../../src/vscode/custom/upgradePlan';

const OLD = 'quay.io/okd/scos-release@sha256:' + '1'.repeat(64);
const NEW = 'quay.io/me/okd-dev@sha256:' + '2'.repeat(64);

function cv(status: ClusterVersion['status'], spec: ClusterVersion['spec'] = {}): ClusterVersion {
  return { metadata: { name: 'version', resourceVersion: '7' }, spec, status };
}

const running = cv({
  desired: { version: '4.19.0-okd-scos.16', image: OLD },
  history: [{ state: 'Completed', version: '4.19.0-okd-scos.16', image: OLD }],
  conditions: [{ type: 'Progressing', status: 'False', message: 'Cluster version is 4.19.0-okd-scos.16' }],
});

describe('cluster upgrade: desiredUpdate', () => {
  it('is {version: "", image, force} as oc adm upgrade --to-image --allow-explicit-upgrade --force writes it', () => {
    assert.deepEqual(desiredUpdateFor(NEW), { version: '', image: NEW, force: true });
    assert.deepEqual(desiredUpdateFor(NEW, false).force, false);
  });

  it('is set with one guarded JSON patch that touches only desiredUpdate, or spec itself when absent', () => {
    assert.deepEqual(desiredUpdatePatch(running, desiredUpdateFor(NEW)), [
      { op: 'test', path: '/metadata/resourceVersion', value: running.metadata.resourceVersion },
      { op: 'add', path: '/spec/desiredUpdate', value: { version: '', image: NEW, force: true } },
    ]);
    const bare: ClusterVersion = { metadata: { name: 'version' } };
    assert.deepEqual(desiredUpdatePatch(bare, desiredUpdateFor(NEW)), [
      { op: 'test', path: '/metadata/resourceVersion', value: undefined },
      { op: 'add', path: '/spec', value: { desiredUpdate: { version: '', image: NEW, force: true } } },
    ]);
  });
});

describe('cluster upgrade: where it stands', () => {
  it('waits for the CVO to take the update, then reports its Progressing message, then completes', () => {
    assert.deepEqual(upgradeState(running, NEW), { state: 'progressing', message: 'waiting for the cluster-version operator to take the update' });
    const taking = cv({
      desired: { version: 'x', image: NEW },
      history: [{ state: 'Partial', version: 'x', image: NEW }, ...(running.status?.history ?? [])],
      conditions: [{ type: 'Progressing', status: 'True', message: 'Working towards x: 12 of 40 done (30% complete)' }],
    });
    assert.deepEqual(upgradeState(taking, NEW), { state: 'progressing', message: 'Working towards x: 12 of 40 done (30% complete)' });
    const failing = cv({ ...taking.status, conditions: [...(taking.status?.conditions ?? []), { type: 'Failing', status: 'True', message: 'deployment openshift-image-registry/x is not available' }] });
    assert.match(upgradeState(failing, NEW).message, /\(failing: deployment openshift-image-registry\/x is not available\)$/);
    const done = cv({ desired: { version: 'x', image: NEW }, history: [{ state: 'Completed', version: 'x', image: NEW }, ...(running.status?.history ?? [])] });
    const state = upgradeState(done, NEW);
    assert.equal(state.state, 'completed');
    assert.equal(state.message, 'cluster version is x');
  });

  it('says when the CVO cannot load the payload', () => {
    const refused = cv({
      ...running.status,
      conditions: [{ type: 'ReleaseAccepted', status: 'False', reason: 'RetrievePayload', message: `Retrieving payload failed version="" image="${NEW}" failure=unauthorized` }],
    });
    assert.match(upgradeState(refused, NEW).message, /^the cluster-version operator cannot load the payload yet: Retrieving payload failed/);
  });

  it('is not complete for an older Completed entry of another image', () => {
    assert.equal(upgradeState(running, NEW).state, 'progressing');
    assert.equal(upgradeState(running, OLD).state, 'completed');
  });

  it('warns about Upgradeable=False, Failing=True and an update in progress', () => {
    const c = cv({
      desired: { version: 'y', image: OLD },
      history: [{ state: 'Partial', version: 'y', image: OLD }],
      conditions: [
        { type: 'Upgradeable', status: 'False', reason: 'ClusterVersionOverridesSet', message: 'Disabling ownership via cluster version overrides prevents upgrades.' },
        { type: 'Failing', status: 'True', message: 'boom' },
      ],
    });
    assert.deepEqual(upgradeWarnings(c), [
      'Upgradeable=False (ClusterVersionOverridesSet): Disabling ownership via cluster version overrides prevents upgrades.',
      'Failing=True: boom',
      'an update to y is still in progress; it is superseded',
    ]);
    assert.deepEqual(upgradeWarnings(running), []);
  });
});

describe('upgrade confirmation for the Cluster view', () => {
  const plan: UpgradePlan = {
    context: 'admin',
    server: 'https://127.0.0.1:6443',
    current: { version: '4.19.0-okd-scos.16', image: OLD },
    target: { version: '4.19.0-okd-scos.16-custom-202611210930', image: NEW },
    desiredUpdate: desiredUpdateFor(NEW),
    alreadyThere: false,
    warnings: ['Upgradeable=False (ClusterVersionOverridesSet): x'],
  };

  it('names both releases, both images and the exact desiredUpdate', () => {
    const c = upgradeConfirmation(plan);
    assert.equal(c.message, 'Upgrade the cluster (context admin) from 4.19.0-okd-scos.16 to 4.19.0-okd-scos.16-custom-202611210930?');
    assert.equal(c.confirm, 'Upgrade');
    assert.equal(c.alreadyThere, false);
    const lines = c.detail.split('\n');
    assert.deepEqual(lines.slice(0, 7), [
      'Cluster: https://127.0.0.1:6443 (context admin)',
      '',
      'From: 4.19.0-okd-scos.16',
      `      ${OLD}`,
      'To:   4.19.0-okd-scos.16-custom-202611210930',
      `      ${NEW}`,
      '',
    ]);
    assert.ok(lines.includes(`This sets spec.desiredUpdate: {image: ${NEW}, force: true, version: ""}`), c.detail);
    assert.ok(lines.includes('- Upgradeable=False (ClusterVersionOverridesSet): x'));
    assert.equal(formatDesiredUpdate(plan), `spec.desiredUpdate: {image: ${NEW}, force: true, version: ""}`);
  });

  it('has nothing to confirm when the cluster runs it already', () => {
    const c = upgradeConfirmation({ ...plan, alreadyThere: true });
    assert.equal(c.alreadyThere, true);
    assert.equal(c.message, 'The cluster (context admin) already runs 4.19.0-okd-scos.16-custom-202611210930.');
  });

  it('reports progress and the end', () => {
    assert.equal(upgradeProgressText(plan, { message: 'Working towards x', elapsedMs: 4_400 }), '4.19.0-okd-scos.16-custom-202611210930: Working towards x (4 s)');
    assert.equal(upgradeProgressText(plan, { message: 'm', elapsedMs: 300_000 }), '4.19.0-okd-scos.16-custom-202611210930: m (5 min)');
    assert.equal(
      upgradeDoneText({ plan, completed: { state: 'Completed', image: NEW, version: plan.target.version }, version: plan.target.version, warnings: [], ms: 1 }),
      'The cluster (context admin) now runs 4.19.0-okd-scos.16-custom-202611210930.',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOperatorDeployment } from '../../src/core/cluster/operator';
import { planDeploymentPatch } from '../../src/core/cluster/patch';
import { ORIGINAL_IMAGES_ANNOTATION, PATCHED_LABEL, readPatchRecord } from '../../src/core/cluster/record';
import { forgetRecordPatch } from '../../src/core/cluster/restore';
import { rolloutState } from '../../src/core/cluster/rollout';
import type { Deployment, Pod } from '../../src/core/cluster/types';
import { buildRelease } from '../../src/core/release/operators';
import { releaseManifests } from '../support/payload/manifests';

const OLD = `quay.io/okd/scos-content@sha256:${'a'.repeat(64)}`;
const NEW = `127.0.0.1:5000/dev/op@sha256:${'b'.repeat(64)}`;
const NEWER = `127.0.0.1:5000/dev/op@sha256:${'c'.repeat(64)}`;
const target = { operator: 'op', kind: 'Deployment' as const, component: 'op', namespace: 'ns', name: 'op', containers: [{ name: 'operator', image: OLD }] };

function deployment(image = OLD, extra: Partial<Deployment['metadata']> = {}): Deployment {
  return {
    metadata: { name: 'op', namespace: 'ns', generation: 2, ...extra },
    spec: {
      replicas: 1,
      template: {
        spec: {
          containers: [
            { name: 'sidecar', image: 'quay.io/other@sha256:' + 'd'.repeat(64), env: [{ name: 'OPERATOR_IMAGE', value: image }] },
            { name: 'operator', image, env: [{ name: 'RELEASE_VERSION', value: '4.19' }, { name: 'OPERATOR_IMAGE', value: image }, { name: 'IMAGE', value: `quay.io/okd/scos-content@sha256:${'e'.repeat(64)}` }] },
          ],
        },
      },
    },
  };
}

/** Applies the ops the way an API server would (enough for these paths). */
function apply(d: Deployment, ops: { op: string; path: string; value?: unknown }[]): Deployment {
  const doc = JSON.parse(JSON.stringify(d));
  for (const op of ops) {
    const keys = op.path.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop() as string;
    const parent = keys.reduce((o, k) => o[k], doc);
    if (op.op === 'test') assert.deepEqual(parent[last], op.value, `test ${op.path}`);
    else if (op.op === 'remove') delete parent[last];
    else parent[last] = op.value;
  }
  return doc;
}

describe('planDeploymentPatch', () => {
  it('sets the image and every env var that carried it, guarded by tests, and records the originals', () => {
    const { ops, record } = planDeploymentPatch(deployment(), target, NEW, { kind: 'Deployment', group: 'apps', namespace: 'ns', name: 'op', unmanaged: true }, new Date(0));
    const patched = apply(deployment(), ops);
    const [sidecar, operator] = patched.spec?.template?.spec?.containers ?? [];
    assert.equal(operator?.image, NEW);
    assert.equal(sidecar?.image, 'quay.io/other@sha256:' + 'd'.repeat(64));
    assert.deepEqual(operator?.env?.map((e) => e.value), ['4.19', NEW, `quay.io/okd/scos-content@sha256:${'e'.repeat(64)}`]);
    assert.equal(sidecar?.env?.[0]?.value, NEW);
    assert.deepEqual(record.containers, { operator: OLD });
    assert.deepEqual(record.env, { sidecar: { OPERATOR_IMAGE: OLD }, operator: { OPERATOR_IMAGE: OLD } });
    assert.equal(patched.metadata.labels?.[PATCHED_LABEL], 'true');
    assert.deepEqual(readPatchRecord(patched), record);
    assert.ok(ops.filter((o) => o.op === 'replace').every((r) => ops.some((t) => t.op === 'test' && t.path === r.path)));
  });

  it('keeps the payload originals when patching again', () => {
    const once = apply(deployment(), planDeploymentPatch(deployment(), target, NEW, undefined).ops);
    const { ops, record } = planDeploymentPatch(once, target, NEWER, undefined);
    const twice = apply(once, ops);
    assert.equal(twice.spec?.template?.spec?.containers?.[1]?.image, NEWER);
    assert.deepEqual(record.containers, { operator: OLD });
    assert.equal(record.env['operator']?.['OPERATOR_IMAGE'], OLD);
    const forgotten = apply(twice, forgetRecordPatch(twice));
    assert.equal(forgotten.metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
    assert.equal(forgotten.metadata.labels?.[PATCHED_LABEL], undefined);
  });

  it('records the override entry it replaced, and keeps it (with our override) when patching again', () => {
    const ours = { kind: 'Deployment', group: 'apps', namespace: 'ns', name: 'op', unmanaged: true };
    const theirs = { ...ours, unmanaged: false };
    const first = planDeploymentPatch(deployment(), target, NEW, ours, new Date(0), theirs);
    assert.deepEqual([first.record.override, first.record.previousOverride], [ours, theirs]);
    const once = apply(deployment(), first.ops);
    const again = planDeploymentPatch(once, target, NEWER, undefined);
    assert.deepEqual([again.record.override, again.record.previousOverride], [ours, theirs]);
    // An override that was there before us: no override of ours, nothing to put back.
    assert.deepEqual(Object.keys(planDeploymentPatch(deployment(), target, NEW, undefined, new Date(0), theirs).record).filter((k) => k.includes('verride')), []);
  });

  it('guards adding the annotation and label maps with the resourceVersion', () => {
    const bare = planDeploymentPatch(deployment(OLD, { resourceVersion: '11' }), target, NEW, undefined).ops;
    const guard = bare.findIndex((op) => op.op === 'test' && op.path === '/metadata/resourceVersion' && op.value === '11');
    assert.ok(guard >= 0 && guard < bare.findIndex((op) => op.path === '/metadata/annotations'), JSON.stringify(bare));
    const withMaps = planDeploymentPatch(deployment(OLD, { resourceVersion: '11', annotations: { a: 'b' }, labels: { c: 'd' } }), target, NEW, undefined).ops;
    assert.equal(withMaps.some((op) => op.path === '/metadata/resourceVersion'), false);
  });

  it('refuses a Deployment without the container', () => {
    assert.throws(() => planDeploymentPatch(deployment(), { ...target, containers: [{ name: 'gone', image: OLD }] }, NEW, undefined), /has no container "gone"/);
  });
});

describe('rolloutState', () => {
  const d = (status: NonNullable<Deployment['status']>, generation = 2) => ({ ...deployment(NEW), metadata: { ...deployment(NEW).metadata, generation }, status });
  const pod = (waiting?: { reason: string; message: string }): Pod => ({
    metadata: { name: 'op-1' },
    spec: { containers: deployment(NEW).spec?.template?.spec?.containers ?? [] },
    status: { containerStatuses: [{ name: 'operator', ready: false, state: waiting ? { waiting } : { running: {} } }] },
  });

  it('is complete only when observed, updated, available and NewReplicaSetAvailable', () => {
    const done = { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] };
    assert.equal(rolloutState(d(done), []).state, 'complete');
    assert.equal(rolloutState(d({ ...done, observedGeneration: 1 }), []).state, 'progressing');
    assert.equal(rolloutState(d({ ...done, replicas: 2 }), []).progress.message, '1 old replicas pending termination');
    assert.equal(rolloutState(d({ ...done, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] }), []).state, 'progressing');
  });

  it('fails with the pod reason, or on the progress deadline', () => {
    const s = { observedGeneration: 2, replicas: 2, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] };
    const failed = rolloutState(d(s), [pod({ reason: 'ImagePullBackOff', message: `Back-off pulling image "${NEW}"` })]);
    assert.deepEqual(failed.state === 'failed' && failed.reason, `rollout of Deployment ns/op failed: pod op-1 container operator: ImagePullBackOff: Back-off pulling image "${NEW}"`);
    const deadline = rolloutState(d({ ...s, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "op-x" has timed out progressing.' }] }), [pod()]);
    assert.equal(deadline.state === 'failed' && deadline.reason, 'rollout of Deployment ns/op failed: ProgressDeadlineExceeded: pod op-1 container operator is running but not ready (its readiness probe fails)');
  });

  it('waits for, or rejects, an image it expects', () => {
    assert.equal(rolloutState(d({}), [], { images: { operator: OLD }, mode: 'wait' }).state, 'progressing');
    const changed = rolloutState(d({}), [], { images: { operator: OLD }, mode: 'required' });
    assert.match(changed.state === 'failed' ? changed.reason : '', /container operator was changed to .* by someone else/);
  });
});

describe('findOperatorDeployment', () => {
  const tags = ['cluster-image-registry-operator', 'cluster-monitoring-operator', 'docker-registry'].map((name, i) => ({
    name,
    annotations: {},
    from: { kind: 'DockerImage' as const, name: `quay.io/okd/scos-content@sha256:${String(i).repeat(64)}` },
  }));
  const release = buildRelease({ pullSpec: 'x', digest: 'sha256:1', created: '', os: 'linux', architecture: 'amd64', labels: {}, files: releaseManifests({ version: '4.19.0', tags, small: true }) });

  it('finds the Deployment by component or namespace/name', () => {
    const byComponent = findOperatorDeployment(release, 'cluster-image-registry-operator');
    assert.deepEqual([byComponent.namespace, byComponent.name, byComponent.containers.map((c) => c.name)], ['openshift-image-registry', 'cluster-image-registry-operator', ['cluster-image-registry-operator']]);
    const byName = findOperatorDeployment(release, 'openshift-monitoring/cluster-monitoring-operator');
    assert.equal(byName.containers[0]?.image, tags[1]?.from.name);
  });

  it('says what exists when the operator is unknown', () => {
    assert.throws(() => findOperatorDeployment(release, 'nope'), { message: 'release 4.19.0 has no component "nope"', hint: 'components with a Deployment or DaemonSet: cluster-image-registry-operator, cluster-monitoring-operator' } as object);
    assert.throws(() => findOperatorDeployment(release, 'docker-registry'), /no Deployment or DaemonSet of release 4\.19\.0 runs the docker-registry image/);
    assert.throws(() => findOperatorDeployment(release, 'ns/none'), /has no Deployment or DaemonSet ns\/none/);
  });
});

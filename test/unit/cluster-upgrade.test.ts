// The guarded spec.desiredUpdate patch and startUpgrade against a concurrent writer: a plan confirmed earlier is
// applied only while spec.desiredUpdate is what the plan saw, and the patch never replaces spec as a whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterClient } from '../../src/core/cluster/client';
import type { ClusterVersion, JsonPatchOp } from '../../src/core/cluster/types';
import { desiredUpdateFor, desiredUpdatePatch, startUpgrade, type UpgradePlan } from '../../src/core/cluster/upgrade';
import { OkdError } from '../../src/core/errors';

const OLD = 'quay.io/okd/scos-release@sha256:' + '1'.repeat(64);
const NEW = 'quay.io/me/okd-dev@sha256:' + '2'.repeat(64);
const OTHER = 'quay.io/someone/else@sha256:' + '3'.repeat(64);
const override = { kind: 'Deployment', group: 'apps', namespace: 'ns', name: 'op', unmanaged: true };

/** A JSON patch the way the API server applies it (test, add, replace), failing a `test` with a 422 OkdError. */
function apply(cv: ClusterVersion, ops: JsonPatchOp[]): ClusterVersion {
  const doc = JSON.parse(JSON.stringify(cv));
  for (const op of ops) {
    const keys = op.path.slice(1).split('/');
    const last = keys.pop() as string;
    const parent = keys.reduce((o, k) => o?.[k], doc);
    if (op.op === 'test') {
      if (JSON.stringify(parent?.[last]) !== JSON.stringify(op.value)) throw new OkdError('invalid-input', `test failed: ${op.path}`);
    } else {
      if (op.op === 'replace' && !(last in parent)) throw new OkdError('invalid-input', `replace of a missing ${op.path}`);
      parent[last] = op.value;
    }
  }
  doc.metadata.resourceVersion = String(Number(doc.metadata.resourceVersion) + 1);
  return doc;
}

describe('desiredUpdatePatch', () => {
  const update = desiredUpdateFor(NEW);

  it('guards on the resourceVersion when spec or spec.desiredUpdate is absent', () => {
    const bare: ClusterVersion = { metadata: { name: 'version', resourceVersion: '7' } };
    assert.deepEqual(desiredUpdatePatch(bare, update), [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/spec', value: { desiredUpdate: update } },
    ]);
    const noUpdate: ClusterVersion = { metadata: { name: 'version', resourceVersion: '7' }, spec: { clusterID: 'x' } };
    assert.deepEqual(desiredUpdatePatch(noUpdate, update), [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/spec/desiredUpdate', value: update },
    ]);
  });

  it('tests the current desiredUpdate before replacing it, touching nothing else', () => {
    const cv: ClusterVersion = { metadata: { name: 'version', resourceVersion: '7' }, spec: { desiredUpdate: { image: OLD, version: '' }, overrides: [override] } };
    const ops = desiredUpdatePatch(cv, update);
    assert.deepEqual(ops, [
      { op: 'test', path: '/spec/desiredUpdate', value: { image: OLD, version: '' } },
      { op: 'replace', path: '/spec/desiredUpdate', value: update },
    ]);
    assert.deepEqual(apply(cv, ops).spec, { desiredUpdate: update, overrides: [override] });
  });

  it("fails instead of dropping overrides a concurrent writer added to a ClusterVersion without spec", () => {
    const read: ClusterVersion = { metadata: { name: 'version', resourceVersion: '7' } };
    const ops = desiredUpdatePatch(read, update);
    const meanwhile = apply(read, [{ op: 'add', path: '/spec', value: { overrides: [override] } }]);
    assert.throws(() => apply(meanwhile, ops), /test failed: \/metadata\/resourceVersion/);
  });
});

/** An in-memory ClusterVersion behind the two calls startUpgrade makes; `before` runs before each patch. */
function fakeClient(initial: ClusterVersion, before: (cv: ClusterVersion, call: number) => ClusterVersion = (cv) => cv) {
  let cv = initial;
  let calls = 0;
  const client = {
    context: 'admin',
    logger: { info: () => undefined, debug: () => undefined },
    getClusterVersion: async () => JSON.parse(JSON.stringify(cv)) as ClusterVersion,
    patchClusterVersion: async (ops: JsonPatchOp[]) => {
      cv = before(cv, ++calls);
      cv = apply(cv, ops);
      return cv;
    },
  } as unknown as ClusterClient;
  return { client, now: () => cv, calls: () => calls };
}

function plan(desiredUpdateBefore: UpgradePlan['desiredUpdateBefore']): UpgradePlan {
  return {
    context: 'admin',
    server: 'https://example',
    current: { version: '4.19', image: OLD },
    target: { version: '4.20', image: NEW },
    desiredUpdate: desiredUpdateFor(NEW),
    alreadyThere: false,
    warnings: [],
    desiredUpdateBefore,
  };
}

describe('startUpgrade', () => {
  const base = (): ClusterVersion => ({ metadata: { name: 'version', resourceVersion: '7' }, spec: { clusterID: 'x' }, status: { desired: { image: OLD } } });

  it('refuses a plan when someone else set spec.desiredUpdate since it was read', async () => {
    const cv = base();
    (cv.spec as NonNullable<ClusterVersion['spec']>).desiredUpdate = { image: OTHER, version: '', force: true };
    const fake = fakeClient(cv);
    await assert.rejects(startUpgrade(fake.client, plan(null)), (err: unknown) => err instanceof OkdError && err.kind === 'conflict' && /changed since the upgrade was planned/.test(err.message));
    assert.equal(fake.calls(), 0);
    assert.equal(fake.now().spec?.desiredUpdate?.image, OTHER);
  });

  it('refuses when a concurrent writer sets spec.desiredUpdate between the read and the patch', async () => {
    const fake = fakeClient(base(), (cv, call) => (call === 1 ? apply(cv, [{ op: 'add', path: '/spec/desiredUpdate', value: { image: OTHER, version: '', force: true } }]) : cv));
    await assert.rejects(startUpgrade(fake.client, plan(null)), /changed since the upgrade was planned/);
    assert.equal(fake.now().spec?.desiredUpdate?.image, OTHER);
  });

  it('reads again and retries when only something else moved (status, overrides), keeping it', async () => {
    const fake = fakeClient(base(), (cv, call) => (call === 1 ? apply(cv, [{ op: 'add', path: '/spec/overrides', value: [override] }]) : cv));
    await startUpgrade(fake.client, plan(null));
    assert.equal(fake.calls(), 2);
    assert.deepEqual(fake.now().spec?.desiredUpdate, desiredUpdateFor(NEW));
    assert.deepEqual(fake.now().spec?.overrides, [override]);
  });
});

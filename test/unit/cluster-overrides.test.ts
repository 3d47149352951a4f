import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addOverrideEntries, overridesPatch, parseOverrideRef, removeOverrideEntries } from '../../src/core/cluster/overrides';
import type { ClusterVersion, ComponentOverride } from '../../src/core/cluster/types';

const o = (name: string, extra: Partial<ComponentOverride> = {}): ComponentOverride => ({ kind: 'Deployment', group: 'apps', namespace: 'ns', name, unmanaged: true, ...extra });

describe('override list edits', () => {
  it('creates the list when absent or null', () => {
    assert.deepEqual(addOverrideEntries(undefined, o('a')), { list: [o('a')], changed: true });
    assert.deepEqual(addOverrideEntries(null, o('a')), { list: [o('a')], changed: true });
  });

  it('appends, keeping every other entry in its place', () => {
    const list = [o('x', { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespace: '' }), o('y')];
    assert.deepEqual(addOverrideEntries(list, o('a')).list, [...list, o('a')]);
  });

  it('is a no-op for an entry already there, and replaces in place when only unmanaged differs', () => {
    const list = [o('x'), o('a'), o('y')];
    assert.deepEqual(addOverrideEntries(list, o('a')), { list, changed: false });
    assert.deepEqual(addOverrideEntries(list, o('a', { unmanaged: false })).list, [o('x'), o('a', { unmanaged: false }), o('y')]);
  });

  it('tells entries apart by kind, group, namespace and name', () => {
    const list = [o('a', { group: '' }), o('a', { namespace: 'other' }), o('a', { kind: 'DaemonSet' })];
    assert.equal(addOverrideEntries(list, o('a')).list.length, 4);
  });

  it('removes only the matching key', () => {
    const list = [o('x'), o('a'), o('y'), o('a', { namespace: 'other' })];
    assert.deepEqual(removeOverrideEntries(list, o('a')), { list: [o('x'), o('y'), o('a', { namespace: 'other' })], changed: true });
    assert.deepEqual(removeOverrideEntries(list, o('zz')), { list, changed: false });
    assert.deepEqual(removeOverrideEntries(undefined, o('a')), { list: [], changed: false });
  });
});

describe('overridesPatch', () => {
  const cv = (overrides?: ComponentOverride[] | null): ClusterVersion => ({ metadata: { name: 'version', resourceVersion: '42' }, spec: { clusterID: 'x', ...(overrides !== undefined ? { overrides } : {}) } });

  it('tests the current list before replacing it (never a merge patch)', () => {
    assert.deepEqual(overridesPatch(cv([o('x')]), [o('x'), o('a')]), [
      { op: 'test', path: '/spec/overrides', value: [o('x')] },
      { op: 'replace', path: '/spec/overrides', value: [o('x'), o('a')] },
    ]);
  });

  it('guards on the resourceVersion when there is no list yet', () => {
    for (const missing of [undefined, null]) {
      assert.deepEqual(overridesPatch(cv(missing), [o('a')]), [
        { op: 'test', path: '/metadata/resourceVersion', value: '42' },
        { op: 'add', path: '/spec/overrides', value: [o('a')] },
      ]);
    }
  });
});

describe('parseOverrideRef', () => {
  it('reads TYPE/NAMESPACE/NAME with kubectl spellings', () => {
    const want = { kind: 'Deployment', group: 'apps', namespace: 'openshift-image-registry', name: 'cluster-image-registry-operator' };
    for (const type of ['deployment', 'deploy', 'deployments', 'Deployment', 'deployment.apps']) assert.deepEqual(parseOverrideRef(`${type}/openshift-image-registry/cluster-image-registry-operator`), want);
  });

  it('reads cluster-scoped TYPE/NAME and Kind.group for other kinds', () => {
    assert.deepEqual(parseOverrideRef('clusterrole/system:openshift:operator:x'), { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespace: '', name: 'system:openshift:operator:x' });
    assert.deepEqual(parseOverrideRef('crd/things.example.io'), { kind: 'CustomResourceDefinition', group: 'apiextensions.k8s.io', namespace: '', name: 'things.example.io' });
    assert.deepEqual(parseOverrideRef('ConsolePlugin.console.openshift.io/monitoring-plugin'), { kind: 'ConsolePlugin', group: 'console.openshift.io', namespace: '', name: 'monitoring-plugin' });
    assert.deepEqual(parseOverrideRef('configmap/openshift-config/x'), { kind: 'ConfigMap', group: '', namespace: 'openshift-config', name: 'x' });
    assert.deepEqual(parseOverrideRef('Widget/ns/w', 'example.io'), { kind: 'Widget', group: 'example.io', namespace: 'ns', name: 'w' });
  });

  it('rejects what it cannot read, saying why', () => {
    assert.throws(() => parseOverrideRef('deployment'), /is not TYPE\/NAMESPACE\/NAME or TYPE\/NAME/);
    assert.throws(() => parseOverrideRef('widget/ns/w'), /unknown kind "widget"/);
    assert.throws(() => parseOverrideRef('clusterrole/ns/x'), /ClusterRole is cluster-scoped: write clusterrole\/x/);
    assert.throws(() => parseOverrideRef('deployment//x'), /is not TYPE/);
  });
});

// What a Release Explorer operator row offers (no VS Code): the component it runs as, its contextValue for the
// `viewItem in okd.workspace.operatorRows` menu, the source repository link; and the Cluster view rows Show in
// Cluster View reveals: the patched operator with its images and override below it, their parents, the fallback group.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterStatus, PatchedOperator } from '../../src/core/cluster/status';
import type { Operator } from '../../src/core/release/model';
import { buildRelease } from '../../src/core/release/operators';
import { childNodes, type ClusterNode, parentNode, revealTarget, rootNodes } from '../../src/vscode/cluster/nodes';
import { builtOperatorRows, operatorComponent, operatorRowContext, patchableWorkloadsOf, sourceRepositoryUrl } from '../../src/vscode/releases/operatorRows';
import { payload410 } from './release-fixtures';

const release = buildRelease(payload410());
const operator = (name: string): Operator => {
  const found = release.operators.find((o) => o.name === name);
  assert.ok(found, `fixture operator ${name}`);
  return found;
};

describe('Release Explorer operator rows', () => {
  it('an operator runs as the component of its Deployment container', () => {
    const c = operatorComponent(release, operator('cluster-image-registry-operator'));
    assert.equal(c?.name, 'cluster-image-registry-operator');
    assert.equal(c?.source, 'https://github.com/openshift/cluster-image-registry-operator');
    assert.deepEqual(
      patchableWorkloadsOf(operator('cluster-image-registry-operator')).map((w) => `${w.kind} ${w.namespace}/${w.name}`),
      ['Deployment openshift-image-registry/cluster-image-registry-operator'],
    );
  });

  it('an operator without workloads falls back to the component of its name, else none', () => {
    const base = operator('cluster-monitoring-operator');
    assert.equal(operatorComponent(release, { ...base, deployments: [] })?.name, 'cluster-monitoring-operator');
    assert.equal(operatorComponent(release, { ...base, name: 'manifests-only', deployments: [] }), undefined);
  });

  it('the contextValue names the component, and the workspace key lists the rows the checkouts build', () => {
    assert.equal(operatorRowContext('cluster-image-registry-operator'), 'okd.operator.cluster-image-registry-operator');
    assert.equal(operatorRowContext(undefined), 'okd.operator');
    assert.match(operatorRowContext('x'), /^okd\.operator/, 'the menus match /^okd\\.operator/');
    assert.deepEqual(builtOperatorRows(['a-operator', 'b-operator', 'a-operator']), ['okd.operator.a-operator', 'okd.operator.b-operator']);
    assert.deepEqual(builtOperatorRows([]), []);
  });

  it('the source repository at the component commit', () => {
    const commit = '4e615c17ea3417d8ab2be2e063f71d774bf17cce';
    assert.equal(sourceRepositoryUrl({ source: 'https://github.com/openshift/cluster-image-registry-operator', commit }), `https://github.com/openshift/cluster-image-registry-operator/tree/${commit}`);
    assert.equal(sourceRepositoryUrl({ source: 'git@github.com:openshift/origin.git', commit }), `https://github.com/openshift/origin/tree/${commit}`);
    assert.equal(sourceRepositoryUrl({ source: 'https://github.com/openshift/origin', commit: '' }), 'https://github.com/openshift/origin');
    assert.equal(sourceRepositoryUrl({ source: 'https://gitlab.example.com/team/op.git', commit }), 'https://gitlab.example.com/team/op');
    assert.equal(sourceRepositoryUrl({ source: '', commit }), undefined);
    assert.equal(sourceRepositoryUrl({ source: 'not a url', commit }), undefined);
  });
});

const PATCHED: PatchedOperator = {
  operator: 'cluster-image-registry-operator',
  kind: 'Deployment',
  namespace: 'openshift-image-registry',
  name: 'cluster-image-registry-operator',
  images: { 'cluster-image-registry-operator': '127.0.0.1:5000/okd/dev@sha256:' + 'a'.repeat(64) },
  originalImages: { 'cluster-image-registry-operator': '127.0.0.1:5000/okd/scos-content@sha256:' + 'b'.repeat(64) },
  edits: [],
  rollout: { state: 'complete', message: '1 of 1 updated replicas are available' },
};

function status(patched: PatchedOperator[]): ClusterStatus {
  return {
    context: 'admin',
    server: 'https://127.0.0.1:6443',
    user: 'admin',
    release: { version: '4.19.0-okd-scos.0', image: '127.0.0.1:5000/okd/scos-release@sha256:' + 'c'.repeat(64) },
    history: [],
    conditions: [],
    overrides: [
      ...patched.map((p) => ({ kind: p.kind, group: 'apps', namespace: p.namespace, name: p.name, unmanaged: true, ours: true })),
      { kind: 'ConfigMap', group: '', namespace: 'openshift-monitoring', name: 'other', unmanaged: true, ours: false },
    ],
    clusterOperators: [
      { name: 'image-registry', available: 'True', progressing: 'False', degraded: 'False' },
      { name: 'monitoring', available: 'True', progressing: 'False', degraded: 'False' },
    ],
    patched,
    operands: [],
  };
}

const ids = (nodes: ClusterNode[]) => nodes.map((n) => n.id);

describe('Cluster view rows for a patched component', () => {
  it('the patched row holds the images it changed, then its override', () => {
    const s = status([PATCHED]);
    const group = rootNodes(s).find((n) => n.kind === 'group' && n.group === 'patched') as ClusterNode;
    const [row] = childNodes(s, group);
    assert.equal(row?.kind, 'patched');
    const children = childNodes(s, row as ClusterNode);
    assert.deepEqual(ids(children), [
      'patched/openshift-image-registry/cluster-image-registry-operator/cluster-image-registry-operator',
      'patched/openshift-image-registry/cluster-image-registry-operator/override:Deployment.apps/openshift-image-registry/cluster-image-registry-operator',
    ]);
    assert.equal(children[0]?.kind === 'container' && children[0].original, PATCHED.originalImages['cluster-image-registry-operator']);
    assert.equal(children[1]?.kind === 'override' && children[1].override.ours, true);
  });

  it('parents: a group is a root, a patched row is under its group, an override and container under the patched row', () => {
    const s = status([PATCHED]);
    const group = rootNodes(s).find((n) => n.kind === 'group' && n.group === 'patched') as ClusterNode;
    const row = childNodes(s, group)[0] as ClusterNode;
    assert.equal(parentNode(s, group), undefined);
    assert.equal(parentNode(s, row)?.id, 'patched');
    for (const child of childNodes(s, row)) assert.equal(parentNode(s, child)?.id, row.id);
    const co = { kind: 'clusterOperator', id: 'co/monitoring', operator: { name: 'monitoring', available: 'True', progressing: 'False', degraded: 'False' } } as ClusterNode;
    assert.equal(parentNode(s, co)?.id, 'clusterOperators');
    assert.equal(parentNode(s, { kind: 'error', id: 'nowhere', message: '' }), undefined);
  });

  it('Show in Cluster View: the patched row (by name or workload), else the ClusterOperator, else the group', () => {
    const patched = status([PATCHED]);
    assert.equal(revealTarget(patched, 'cluster-image-registry-operator')?.id, 'patched/openshift-image-registry/cluster-image-registry-operator');
    const workload = [{ kind: 'Deployment', namespace: 'openshift-image-registry', name: 'cluster-image-registry-operator' }];
    assert.equal(revealTarget(patched, 'another-name', workload)?.kind, 'patched');
    const clean = status([]);
    assert.equal(revealTarget(clean, 'cluster-image-registry-operator', workload, ['image-registry'])?.id, 'co/image-registry');
    assert.equal(revealTarget(clean, 'cluster-image-registry-operator', workload)?.id, 'clusterOperators');
  });
});

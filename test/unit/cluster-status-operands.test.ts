// The status of operand patches, as `okd-dev cluster status` prints it and the Cluster view shows it: each patched
// component with the objects it edited, their overrides (ours or someone else's), the edits (payload's -> ours) and
// where the rollouts stand, the operator's and the operand's own. Objects as the API server returns them, with
// the record operandPatch.ts writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERAND_PATCHED_LABEL, OPERAND_RECORD_ANNOTATION, ORIGINAL_IMAGES_ANNOTATION, type OperandRecord } from '../../src/core/cluster/record';
import { buildClusterStatus, renderClusterStatus } from '../../src/core/cluster/status';
import type { OperandStatusInput } from '../../src/core/cluster/statusOperands';
import type { ClusterVersion, Deployment } from '../../src/core/cluster/types';
import { childNodes, type ClusterNode, parentNode, restoreTargetOf, revealTarget, rootNodes } from '../../src/vscode/cluster/nodes';

const where = { context: 'admin', server: 'https://127.0.0.1:6443', user: 'admin' };
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const PAYLOAD_PROMETHEUS = `quay.io/okd/scos-content@${digest('1')}`;
const DEV_PROMETHEUS = `127.0.0.1:5000/dev/prometheus@${digest('2')}`;
const PAYLOAD_KEEPALIVED = `quay.io/okd/scos-content@${digest('3')}`;
const DEV_KEEPALIVED = `127.0.0.1:5000/dev/keepalived@${digest('4')}`;
const CMO_OVERRIDE = { kind: 'Deployment', group: 'apps', namespace: 'openshift-monitoring', name: 'cluster-monitoring-operator', unmanaged: true };
const CM_OVERRIDE = { kind: 'ConfigMap', group: '', namespace: 'openshift-machine-config-operator', name: 'machine-config-operator-images', unmanaged: true };

function record(r: Omit<OperandRecord, 'patchedAt'>): Record<string, string> {
  return { [OPERAND_RECORD_ANNOTATION]: JSON.stringify({ ...r, patchedAt: '2026-12-03T15:00:00.000Z' }) };
}

function deployment(ns: string, name: string, containers: { name: string; image: string; args?: string[] }[], status: 'rolled-out' | 'rolling', annotations?: Record<string, string>): Deployment {
  return {
    metadata: { name, namespace: ns, generation: 2, ...(annotations ? { annotations, labels: { [OPERAND_PATCHED_LABEL]: 'true' } } : {}) },
    spec: { replicas: 1, template: { spec: { containers } } },
    status:
      status === 'rolled-out'
        ? { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] }
        : { observedGeneration: 2, replicas: 2, updatedReplicas: 0, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] },
  };
}

// prometheus: from cluster-monitoring-operator's args (our override), its operand Deployment rolled out on our image.
const argFrom = `-images=prometheus=${PAYLOAD_PROMETHEUS}`;
const argTo = `-images=prometheus=${DEV_PROMETHEUS}`;
const cmo = deployment('openshift-monitoring', 'cluster-monitoring-operator', [{ name: 'operator', image: `quay.io/okd/scos-content@${digest('5')}`, args: ['-namespace=openshift-monitoring', argTo] }], 'rolled-out', record({
  component: 'prometheus',
  payloadImage: PAYLOAD_PROMETHEUS,
  image: DEV_PROMETHEUS,
  edits: [{ field: 'args', container: 'operator', index: 1, from: argFrom, to: argTo }],
  override: CMO_OVERRIDE,
}));
const prometheusK8s = deployment('openshift-monitoring', 'prometheus-k8s', [{ name: 'prometheus', image: DEV_PROMETHEUS }], 'rolled-out');
// keepalived-ipfailover: from a ConfigMap whose override is someone else's; no workload runs it yet.
const jsonFrom = JSON.stringify({ releaseVersion: '0.0.1', keepalivedImage: PAYLOAD_KEEPALIVED }, null, 2);
const jsonTo = JSON.stringify({ releaseVersion: '0.0.1', keepalivedImage: DEV_KEEPALIVED }, null, 2);
const configMap = {
  metadata: { name: 'machine-config-operator-images', namespace: 'openshift-machine-config-operator', labels: { [OPERAND_PATCHED_LABEL]: 'true' }, annotations: record({ component: 'keepalived-ipfailover', payloadImage: PAYLOAD_KEEPALIVED, image: DEV_KEEPALIVED, edits: [{ field: 'data', key: 'images.json', from: jsonFrom, to: jsonTo }] }) },
  data: { 'images.json': jsonTo },
};
// An operator patch too, with an env var that carried its image.
const operatorWas = `quay.io/okd/scos-content@${digest('6')}`;
const operatorNow = `127.0.0.1:5000/dev/cluster-image-registry-operator@${digest('7')}`;
const registryOperator: Deployment = {
  ...deployment('openshift-image-registry', 'cluster-image-registry-operator', [{ name: 'cluster-image-registry-operator', image: operatorNow }], 'rolling'),
  metadata: {
    name: 'cluster-image-registry-operator',
    namespace: 'openshift-image-registry',
    generation: 2,
    annotations: { [ORIGINAL_IMAGES_ANNOTATION]: JSON.stringify({ operator: 'cluster-image-registry-operator', containers: { 'cluster-image-registry-operator': operatorWas }, env: { 'cluster-image-registry-operator': { OPERATOR_IMAGE: operatorWas } }, image: operatorNow, override: { ...CMO_OVERRIDE, namespace: 'openshift-image-registry', name: 'cluster-image-registry-operator' }, patchedAt: '2026-12-03T14:00:00Z' }) },
  },
};
(registryOperator.spec?.template?.spec?.containers ?? [])[0]!.env = [{ name: 'OPERATOR_IMAGE', value: operatorNow }];

const cv: ClusterVersion = {
  metadata: { name: 'version' },
  spec: { overrides: [CMO_OVERRIDE, { ...CM_OVERRIDE }, { ...CMO_OVERRIDE, namespace: 'openshift-image-registry', name: 'cluster-image-registry-operator' }] },
  status: { desired: { version: '4.19.0-okd-scos.17', image: `quay.io/okd/scos-release@${digest('9')}` } },
};

const input: OperandStatusInput = {
  objects: [
    { kind: 'Deployment', object: cmo },
    { kind: 'ConfigMap', object: configMap },
  ],
  workloads: [
    { kind: 'Deployment', object: cmo },
    { kind: 'Deployment', object: prometheusK8s },
    { kind: 'Deployment', object: registryOperator },
  ],
};

const status = () => buildClusterStatus(where, cv, [], [{ kind: 'Deployment', object: registryOperator }], [], input);

describe('the status of operand patches', () => {
  it('models each patched component: its objects with override and edits, the operand workloads, the rollout', () => {
    const s = status();
    assert.deepEqual(
      s.operands.map((p) => [p.component, p.rollout.state, p.objects.map((o) => [o.kind, o.name, o.override?.ours, o.edits.map((e) => e.field), o.rollout?.state]), p.operands.map((r) => [r.name, r.rollout.state])]),
      [
        ['keepalived-ipfailover', 'complete', [['ConfigMap', 'machine-config-operator-images', false, ['data'], undefined]], []],
        ['prometheus', 'complete', [['Deployment', 'cluster-monitoring-operator', true, ['args'], 'complete']], [['prometheus-k8s', 'complete']]],
      ],
    );
    // The override the operand patch added is ours and names it; the ConfigMap's is someone else's.
    assert.deepEqual(s.overrides.map((o) => [o.kind, o.name, o.ours, o.operand]), [
      ['Deployment', 'cluster-monitoring-operator', true, 'prometheus'],
      ['ConfigMap', 'machine-config-operator-images', false, undefined],
      ['Deployment', 'cluster-image-registry-operator', true, undefined],
    ]);
    // The operator patch lists its image and env edits, payload's -> now.
    assert.deepEqual(s.patched[0]?.edits, [
      { field: 'image', container: 'cluster-image-registry-operator', from: operatorWas, to: operatorNow },
      { field: 'env', container: 'cluster-image-registry-operator', key: 'OPERATOR_IMAGE', from: operatorWas, to: operatorNow },
    ]);
  });

  it('an operand workload its operator has not given the new image yet is progressing, and so is the patch', () => {
    const waiting = { ...prometheusK8s, spec: { ...prometheusK8s.spec, template: { spec: { containers: [{ name: 'prometheus', image: PAYLOAD_PROMETHEUS }] } } } };
    const s = buildClusterStatus(where, cv, [], [], [], { ...input, workloads: [{ kind: 'Deployment', object: waiting }] });
    const p = s.operands.find((x) => x.component === 'prometheus');
    assert.deepEqual(p?.rollout, { state: 'progressing', message: 'waiting for its operator to give container prometheus the patched image' });
    // A rolling operator is progressing with the rollout's own words.
    const rolling = buildClusterStatus(where, cv, [], [], [], { objects: [{ kind: 'Deployment', object: { ...cmo, status: deployment('x', 'y', [], 'rolling').status } as Deployment }], workloads: [] });
    assert.deepEqual(rolling.operands[0]?.rollout, { state: 'progressing', message: '0 of 1 updated replicas' });
  });

  it('okd-dev cluster status prints the patched operands with overrides, edits and rollouts, and the operator env edits', () => {
    const text = renderClusterStatus(status());
    const section = text.slice(text.indexOf('Patched operators'), text.indexOf('Cluster operators:'));
    assert.equal(
      section,
      [
        'Patched operators (1):',
        `  cluster-image-registry-operator  deployment openshift-image-registry/cluster-image-registry-operator  rollout progressing: 0 of 1 updated replicas`,
        `    cluster-image-registry-operator: ${operatorNow} (was ${operatorWas})`,
        `    env cluster-image-registry-operator/OPERATOR_IMAGE: ${operatorWas} -> ${operatorNow}`,
        '',
        'Patched operands (2):',
        `  keepalived-ipfailover  ${PAYLOAD_KEEPALIVED} -> ${DEV_KEEPALIVED}  rollout complete`,
        '    ConfigMap openshift-machine-config-operator/machine-config-operator-images',
        '      override ConfigMap/openshift-machine-config-operator/machine-config-operator-images unmanaged (not okd-dev)',
        `      data images.json: ${PAYLOAD_KEEPALIVED} -> ${DEV_KEEPALIVED}`,
        `  prometheus  ${PAYLOAD_PROMETHEUS} -> ${DEV_PROMETHEUS}  rollout complete`,
        '    Deployment openshift-monitoring/cluster-monitoring-operator  rollout complete',
        '      override Deployment.apps/openshift-monitoring/cluster-monitoring-operator unmanaged (okd-dev)',
        `      args operator[1]: ${argFrom} -> ${argTo}`,
        '    operand Deployment openshift-monitoring/prometheus-k8s (containers prometheus)  rollout complete',
        '',
        '',
      ].join('\n'),
    );
  });
});

describe('Cluster view rows of operand patches', () => {
  const s = status();
  const group = rootNodes(s).find((n) => n.kind === 'group' && n.group === 'patched') as ClusterNode;
  const rows = childNodes(s, group);
  const prometheus = rows.find((n) => n.kind === 'operand' && n.operand.component === 'prometheus') as ClusterNode;

  it('the patched group counts operator and operand patches; each has a row', () => {
    assert.equal(group.kind === 'group' && group.count, 3);
    assert.deepEqual(rows.map((n) => n.id), ['patched/openshift-image-registry/cluster-image-registry-operator', 'operand/keepalived-ipfailover', 'operand/prometheus']);
  });

  it('an operand row holds the objects it edited (each with its override and edits) and the operand workloads; ids name places, never text', () => {
    const children = childNodes(s, prometheus);
    assert.deepEqual(children.map((n) => n.id), ['operand/prometheus/object/Deployment/openshift-monitoring/cluster-monitoring-operator', 'operand/prometheus/runs/Deployment/openshift-monitoring/prometheus-k8s']);
    const object = children[0] as ClusterNode;
    const below = childNodes(s, object);
    assert.deepEqual(below.map((n) => n.id), [
      `${object.id}/override:Deployment.apps/openshift-monitoring/cluster-monitoring-operator`,
      `${object.id}/args:operator/1`,
    ]);
    assert.equal(below[1]?.kind === 'edit' && below[1].edit.to, argTo);
    // Every row finds its parent (TreeView.reveal), three levels down.
    for (const n of below) assert.equal(parentNode(s, n)?.id, object.id);
    assert.equal(parentNode(s, object)?.id, prometheus.id);
  });

  it("the operator row lists its env edits after its containers; Restore on any operand row or its override restores the component", () => {
    const operator = rows[0] as ClusterNode;
    assert.deepEqual(childNodes(s, operator).map((n) => n.kind), ['container', 'edit', 'override']);
    assert.equal(restoreTargetOf(prometheus), 'prometheus');
    for (const n of childNodes(s, prometheus)) assert.equal(restoreTargetOf(n), 'prometheus');
    const override = childNodes(s, childNodes(s, prometheus)[0] as ClusterNode)[0] as ClusterNode;
    assert.equal(restoreTargetOf(override), 'prometheus');
    assert.equal(revealTarget(s, 'keepalived-ipfailover')?.id, 'operand/keepalived-ipfailover');
  });
});

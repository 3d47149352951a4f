// A payload's operator or operand may be a DaemonSet: found in the payload like a Deployment, overridden as
// {kind: DaemonSet, group: apps}, patched (image, env, record) the same way, named `daemonset/NS/NAME`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOperatorWorkload } from '../../src/core/cluster/operator';
import { isWorkloadOverride, workloadOverride } from '../../src/core/cluster/overrides';
import { planWorkloadPatch } from '../../src/core/cluster/patch';
import { readPatchRecord } from '../../src/core/cluster/record';
import { buildClusterStatus, renderClusterStatus } from '../../src/core/cluster/status';
import type { DaemonSet } from '../../src/core/cluster/types';
import { parseWorkloadRef, workloadRef } from '../../src/core/cluster/workloads';
import { buildRelease } from '../../src/core/release/operators';
import { releaseManifests } from '../support/payload/manifests';

const pullspec = (i: number) => `quay.io/okd/scos-content@sha256:${String(i).repeat(64)}`;
const MCO = pullspec(1);
const AGENT = pullspec(2);
const DEV = `127.0.0.1:5000/dev/machine-config-operator@sha256:${'b'.repeat(64)}`;

const workload = (kind: string, namespace: string, name: string, containers: { name: string; image: string; env?: object[] }[], extra = '') => `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: ${namespace}
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
spec:
  selector:
    matchLabels:
      k8s-app: ${name}
${extra}  template:
    metadata:
      labels:
        k8s-app: ${name}
    spec:
      containers:
${containers.map((c) => `      - name: ${c.name}\n        image: ${c.image}\n${c.env ? `        env:\n${c.env.map((e) => `        - ${JSON.stringify(e)}`).join('\n')}\n` : ''}`).join('')}`;

// The machine-config-operator image runs the operator's Deployment and its daemon's DaemonSet; node-agent runs
// only as a DaemonSet; two DaemonSets run dns-node-resolver; one Deployment and one DaemonSet share a name.
const tags = ['machine-config-operator', 'node-agent', 'dns-node-resolver', 'cluster-image-registry-operator'].map((name, i) => ({
  name,
  annotations: {},
  from: { kind: 'DockerImage' as const, name: pullspec(i + 1) },
}));
const release = buildRelease({
  pullSpec: 'x',
  digest: 'sha256:1',
  created: '',
  os: 'linux',
  architecture: 'amd64',
  labels: {},
  files: releaseManifests({
    version: '4.19.0-okd-scos.16',
    tags,
    small: true,
    extraFiles: {
      '0000_80_machine-config_04_deployment.yaml': workload('Deployment', 'openshift-machine-config-operator', 'machine-config-operator', [{ name: 'machine-config-operator', image: MCO }]),
      '0000_80_machine-config_05_daemonset.yaml': workload('DaemonSet', 'openshift-machine-config-operator', 'machine-config-daemon', [
        { name: 'machine-config-daemon', image: MCO },
        { name: 'kube-rbac-proxy', image: pullspec(4) },
      ]),
      '0000_50_node-agent_05_daemonset.yaml': workload('DaemonSet', 'openshift-node-agent', 'node-agent', [{ name: 'agent', image: AGENT, env: [{ name: 'OPERATOR_IMAGE', value: AGENT }] }], '  updateStrategy:\n    type: RollingUpdate\n'),
      '0000_70_dns_01_resolver.yaml': [workload('DaemonSet', 'openshift-dns', 'node-resolver', [{ name: 'dns-node-resolver', image: pullspec(3) }]), workload('DaemonSet', 'openshift-dns', 'node-resolver-ipv6', [{ name: 'dns-node-resolver', image: pullspec(3) }])].join('---\n'),
      '0000_50_twins_01.yaml': [workload('Deployment', 'openshift-twins', 'twin', [{ name: 'twin', image: AGENT }]), workload('DaemonSet', 'openshift-twins', 'twin', [{ name: 'twin', image: AGENT }])].join('---\n'),
    },
  }),
});

describe('findOperatorWorkload with DaemonSets in the payload', () => {
  it('finds a component that runs only as a DaemonSet', () => {
    const target = findOperatorWorkload(release, 'node-agent');
    assert.deepEqual(target, { operator: 'node-agent', kind: 'DaemonSet', component: 'node-agent', namespace: 'openshift-node-agent', name: 'node-agent', containers: [{ name: 'agent', image: AGENT }] });
  });

  it('finds a DaemonSet by NAMESPACE/NAME and by daemonset/, ds/ or DaemonSet.apps/ NAMESPACE/NAME', () => {
    for (const ref of ['openshift-machine-config-operator/machine-config-daemon', 'daemonset/openshift-machine-config-operator/machine-config-daemon', 'ds/openshift-machine-config-operator/machine-config-daemon', 'DaemonSet.apps/openshift-machine-config-operator/machine-config-daemon']) {
      const target = findOperatorWorkload(release, ref);
      assert.deepEqual([target.kind, target.namespace, target.name, target.containers], ['DaemonSet', 'openshift-machine-config-operator', 'machine-config-daemon', [{ name: 'machine-config-daemon', image: MCO }]], ref);
    }
  });

  it('prefers the operator\'s Deployment when its image also runs its operands\' DaemonSet', () => {
    const target = findOperatorWorkload(release, 'machine-config-operator');
    assert.deepEqual([target.kind, target.name], ['Deployment', 'machine-config-operator']);
  });

  it('asks for one when the image runs in several DaemonSets, or when both kinds have the name', () => {
    assert.throws(() => findOperatorWorkload(release, 'dns-node-resolver'), {
      message: 'the dns-node-resolver image runs in several workloads: daemonset/openshift-dns/node-resolver, daemonset/openshift-dns/node-resolver-ipv6',
      hint: 'name one as KIND/NAMESPACE/NAME',
    } as object);
    assert.throws(() => findOperatorWorkload(release, 'openshift-twins/twin'), { message: 'release 4.19.0-okd-scos.16 has both deployment/openshift-twins/twin and daemonset/openshift-twins/twin', hint: 'name one with its kind' } as object);
    assert.equal(findOperatorWorkload(release, 'daemonset/openshift-twins/twin').kind, 'DaemonSet');
    assert.equal(findOperatorWorkload(release, 'deployment/openshift-twins/twin').kind, 'Deployment');
  });

  it('says what is missing', () => {
    assert.throws(() => findOperatorWorkload(release, 'daemonset/openshift-node-agent/nope'), { message: 'release 4.19.0-okd-scos.16 has no DaemonSet openshift-node-agent/nope' } as object);
    assert.throws(() => findOperatorWorkload(release, 'statefulset/ns/name'), /is neither a component name, NAMESPACE\/NAME, deployment\/NAMESPACE\/NAME nor daemonset\/NAMESPACE\/NAME/);
  });
});

describe('a DaemonSet patch', () => {
  const live = (): DaemonSet => ({
    metadata: { name: 'node-agent', namespace: 'openshift-node-agent', generation: 1, resourceVersion: '812', labels: { 'k8s-app': 'node-agent' }, annotations: { 'deprecated.daemonset.template.generation': '1' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'node-agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: { metadata: { labels: { 'k8s-app': 'node-agent' } }, spec: { containers: [{ name: 'agent', image: AGENT, env: [{ name: 'OPERATOR_IMAGE', value: AGENT }] }] } },
    },
    status: { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0, numberReady: 3, observedGeneration: 1, updatedNumberScheduled: 3 },
  });

  it('overrides {kind: DaemonSet, group: apps} and patches the image and the env that carried it, recording the originals', () => {
    const target = findOperatorWorkload(release, 'node-agent');
    const override = workloadOverride(target.kind, target.namespace, target.name);
    assert.deepEqual(override, { kind: 'DaemonSet', group: 'apps', namespace: 'openshift-node-agent', name: 'node-agent', unmanaged: true });
    assert.ok(isWorkloadOverride(override));
    assert.ok(!isWorkloadOverride({ kind: 'DaemonSet', group: 'extensions', namespace: 'x', name: 'y' }));
    const { ops, record } = planWorkloadPatch(live(), target, DEV, override, new Date(0));
    assert.deepEqual(
      ops.filter((o) => o.op === 'replace'),
      [
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: DEV },
        { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: DEV },
      ],
    );
    assert.deepEqual([record.containers, record.env, record.override], [{ agent: AGENT }, { agent: { OPERATOR_IMAGE: AGENT } }, override]);
    const annotation = ops.find((o) => o.path === '/metadata/annotations/okd-dev.openshift.io~1original-images');
    assert.ok(annotation);
    assert.deepEqual(readPatchRecord({ metadata: { name: 'node-agent', annotations: { 'okd-dev.openshift.io/original-images': annotation.value as string } } }), record);
  });

  it('names a DaemonSet daemonset/NAMESPACE/NAME and reads that back', () => {
    assert.equal(workloadRef('DaemonSet', 'openshift-node-agent', 'node-agent'), 'daemonset/openshift-node-agent/node-agent');
    assert.equal(workloadRef('Deployment', 'ns', 'op'), 'ns/op');
    assert.deepEqual(parseWorkloadRef('daemonset/openshift-node-agent/node-agent'), { kind: 'DaemonSet', namespace: 'openshift-node-agent', name: 'node-agent' });
    assert.deepEqual(parseWorkloadRef('ns/op'), { namespace: 'ns', name: 'op' });
    assert.equal(parseWorkloadRef('cronjob/ns/op'), undefined);
    assert.equal(parseWorkloadRef('ns//op'), undefined);
  });

  it('shows a patched DaemonSet in the status like a patched Deployment', () => {
    const target = findOperatorWorkload(release, 'node-agent');
    const { ops } = planWorkloadPatch(live(), target, DEV, workloadOverride('DaemonSet', target.namespace, target.name), new Date(0));
    const patched = live();
    patched.metadata.annotations = { 'okd-dev.openshift.io/original-images': ops.find((o) => o.path.endsWith('original-images'))?.value as string };
    patched.metadata.labels = { 'okd-dev.openshift.io/patched': 'true' };
    (patched.spec?.template?.spec?.containers ?? [])[0]!.image = DEV;
    patched.metadata.generation = 2;
    const status = buildClusterStatus(
      { context: 'admin', server: 'https://api.okd.example:6443', user: 'admin' },
      { metadata: { name: 'version' }, spec: { overrides: [workloadOverride('DaemonSet', target.namespace, target.name)] } },
      [],
      [{ kind: 'DaemonSet', object: patched }],
    );
    assert.deepEqual(status.overrides, [{ ...workloadOverride('DaemonSet', target.namespace, target.name), ours: true }]);
    assert.deepEqual(
      status.patched.map((p) => [p.operator, p.kind, p.images, p.originalImages, p.rollout.state, p.rollout.message]),
      [['node-agent', 'DaemonSet', { agent: DEV }, { agent: AGENT }, 'progressing', 'Waiting for daemon set spec update to be observed...']],
    );
    assert.match(renderClusterStatus(status), /^ {2}node-agent {2}daemonset openshift-node-agent\/node-agent {2}rollout progressing: Waiting for daemon set spec update to be observed\.\.\.$/m);
  });
});

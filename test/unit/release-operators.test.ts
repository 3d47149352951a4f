import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { buildRelease, manifestOwner, splitYamlDocuments } from '../../src/core/release/operators';
import { IMAGE_REFS_410, NAME_410, PAYLOAD, payload410, payloadPullspecs, read, syntheticManifests } from './release-fixtures';

const pullspecs410 = payloadPullspecs(read(IMAGE_REFS_410));
const ps = (tag: string) => pullspecs410.get(tag) as string;

describe('manifestOwner (CVO file name pattern)', () => {
  it('takes the run level and the shortest component name', () => {
    assert.deepEqual(manifestOwner('0000_50_cluster-image-registry-operator_07-operator.yaml'), { runlevel: '50', operator: 'cluster-image-registry-operator' });
    assert.deepEqual(manifestOwner('0000_00_cluster-version-operator_01_clusterversions-OKD.crd.yaml'), { runlevel: '00', operator: 'cluster-version-operator' });
    assert.deepEqual(manifestOwner('0000_90_cluster-monitoring-operator_00-prometheusrule.yaml'), { runlevel: '90', operator: 'cluster-monitoring-operator' });
    assert.equal(manifestOwner('image-references'), undefined);
    assert.equal(manifestOwner('07-operator.yaml'), undefined);
    assert.equal(manifestOwner('0000_xx_foo_bar.yaml'), undefined);
  });
});

describe('splitYamlDocuments', () => {
  it('splits at column-0 --- lines only, keeping content after the marker and dropping empty documents', () => {
    assert.deepEqual(splitYamlDocuments('a: 1\n'), ['a: 1\n']);
    assert.deepEqual(splitYamlDocuments('---\na: 1\n---\n\n--- {b: 2}\n'), ['\na: 1\n', ' {b: 2}\n']);
    assert.deepEqual(splitYamlDocuments('s: |\n  ---\n  text\n----x: 1\n'), ['s: |\n  ---\n  text\n----x: 1\n']);
  });
});

describe('buildRelease', () => {
  const release = buildRelease(payload410());

  it('fills the release header from the config, image-references and release-metadata', () => {
    assert.equal(release.name, NAME_410);
    assert.equal(release.version, NAME_410);
    assert.equal(release.components.length, 146);
    assert.deepEqual(release.metadata?.previous, ['4.9.0', '4.9.10', '4.9.2', '4.8.0-0.ci-2021-05-03-215023']);
    assert.deepEqual(release.componentVersions, {
      kubernetes: { version: '1.22.1' },
      'machine-os': { version: '410.84.202111112202-0', displayName: 'Red Hat Enterprise Linux CoreOS' },
    });
    assert.deepEqual(release.labels, { 'io.openshift.release': NAME_410 });
    assert.deepEqual(release.warnings, []);
  });

  it('lists manifests sorted, with size, sha256 and owner; image-references and release-metadata are not manifests', () => {
    assert.deepEqual(
      release.manifests.map((m) => m.file),
      [
        '0000_50_cluster-image-registry-operator_07-operator.yaml',
        '0000_50_cluster-image-registry-operator_08-clusteroperator.yaml',
        '0000_50_cluster-monitoring-operator_05-deployment.yaml',
        '0000_50_cluster-monitoring-operator_06-clusteroperator.yaml',
        '0000_50_cluster-samples-operator_06-operator.yaml',
        '0000_50_cluster-samples-operator_07-clusteroperator.yaml',
      ],
    );
    const co = release.manifests[1];
    assert.ok(co);
    assert.equal(co.operator, 'cluster-image-registry-operator');
    assert.equal(co.runlevel, '50');
    assert.equal(co.size, Buffer.byteLength(co.content ?? ''));
    assert.match(co.sha256, /^[0-9a-f]{64}$/);
    assert.ok((co.content ?? '').includes(`version: "${NAME_410}"`), '0.0.1-snapshot was replaced by the release name');
  });

  it('finds the image registry operator: namespace, deployment, containers matched to components by digest', () => {
    const op = release.operators.find((o) => o.name === 'cluster-image-registry-operator');
    assert.ok(op);
    assert.deepEqual(op.runlevels, ['50']);
    assert.deepEqual(op.namespaces, ['openshift-image-registry']);
    assert.deepEqual(op.clusterOperators, ['image-registry']);
    assert.deepEqual(op.images, ['cli', 'cluster-image-registry-operator', 'docker-registry']);
    assert.equal(op.deployments.length, 1);
    const d = op.deployments[0];
    assert.ok(d);
    assert.deepEqual([d.kind, d.namespace, d.name], ['Deployment', 'openshift-image-registry', 'cluster-image-registry-operator']);
    assert.deepEqual(
      d.containers.map((c) => [c.name, c.image, c.component]),
      [['cluster-image-registry-operator', ps('cluster-image-registry-operator'), 'cluster-image-registry-operator']],
    );
    assert.deepEqual(
      d.containers[0]?.references.map((r) => [r.field, r.component]),
      [
        ['env:OPERATOR_IMAGE', 'cluster-image-registry-operator'],
        ['env:IMAGE', 'docker-registry'],
        ['env:IMAGE_PRUNER', 'cli'],
      ],
    );
  });

  it('finds both containers of the samples operator and the -images= args of the monitoring operator', () => {
    const samples = release.operators.find((o) => o.name === 'cluster-samples-operator');
    assert.deepEqual(
      samples?.deployments[0]?.containers.map((c) => [c.name, c.component]),
      [
        ['cluster-samples-operator', 'cluster-samples-operator'],
        ['cluster-samples-operator-watch', 'cluster-samples-operator'],
      ],
    );
    assert.deepEqual(samples?.clusterOperators, ['openshift-samples']);
    const monitoring = release.operators.find((o) => o.name === 'cluster-monitoring-operator');
    assert.deepEqual(monitoring?.namespaces, ['openshift-monitoring']);
    assert.deepEqual(monitoring?.clusterOperators, ['monitoring']);
    // the placeholders of images not in the 4.10 payload (monitoring-plugin, ...) stay unresolved
    assert.deepEqual(monitoring?.images, [
      'cluster-monitoring-operator',
      'configmap-reloader',
      'kube-rbac-proxy',
      'kube-state-metrics',
      'openshift-state-metrics',
      'prom-label-proxy',
      'prometheus',
      'prometheus-alertmanager',
      'prometheus-config-reloader',
      'prometheus-node-exporter',
      'prometheus-operator',
      'telemeter',
      'thanos',
    ]);
  });

  it('leaves images that are not payload pullspecs unmatched', () => {
    const files = new Map([
      [
        '0000_50_my-operator_deploy.yaml',
        'kind: Deployment\napiVersion: apps/v1\nmetadata: {name: my, namespace: my-ns}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: registry.access.redhat.com/ubi9/ubi:latest\n      containers:\n      - name: main\n        image: quay.io/me/my-operator:dev\n',
      ],
    ]);
    const op = buildRelease(payload410(files)).operators.find((o) => o.name === 'my-operator');
    assert.deepEqual(op?.deployments[0]?.containers, [
      { name: 'init', image: 'registry.access.redhat.com/ubi9/ubi:latest', init: true, references: [] },
      { name: 'main', image: 'quay.io/me/my-operator:dev', references: [] },
    ]);
    assert.deepEqual(op?.images, []);
  });

  it('handles multi-document files, empty documents, DaemonSets, CronJobs and JSON manifests', () => {
    const files = new Map([
      [
        '0000_30_multi-op_01.yaml',
        `---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-multi\n---\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: openshift-multi\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: ${ps('cli')}\n...\n`,
      ],
      [
        '0000_30_multi-op_02.yaml',
        `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: pruner\n  namespace: openshift-multi\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: prune\n            image: ${ps('tools')}\n`,
      ],
      ['0000_30_multi-op_03.json', JSON.stringify({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterOperator', metadata: { name: 'multi' } })],
      ['0000_30_multi-op_notes.txt', 'not a manifest'],
    ]);
    const r = buildRelease(payload410(files));
    const op = r.operators.find((o) => o.name === 'multi-op');
    assert.ok(op);
    assert.deepEqual(op.namespaces, ['openshift-multi']);
    assert.deepEqual(op.clusterOperators, ['multi']);
    assert.deepEqual(op.deployments.map((d) => [d.kind, d.name, d.containers[0]?.component]), [
      ['DaemonSet', 'agent', 'cli'],
      ['CronJob', 'pruner', 'tools'],
    ]);
    assert.deepEqual(op.manifests, ['0000_30_multi-op_01.yaml', '0000_30_multi-op_02.yaml', '0000_30_multi-op_03.json']);
    assert.deepEqual(r.metadataFiles, ['0000_30_multi-op_notes.txt']);
    assert.equal(r.manifests.length, 9);
    // operators are in run-level order
    assert.deepEqual(r.operators.map((o) => o.name).slice(0, 1), ['multi-op']);
  });

  it('a broken document makes its file unknown, with a warning, and does not stop the build', () => {
    const files = new Map([
      ['0000_40_broken_01.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fine\n---\nkind: Deployment\nmetadata: {name: [unclosed\n'],
    ]);
    const r = buildRelease(payload410(files));
    const m = r.manifests.find((f) => f.file === '0000_40_broken_01.yaml');
    assert.ok(m?.parseError);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] as string, /^manifest 0000_40_broken_01\.yaml could not be parsed, its objects are ignored: /);
    const op = r.operators.find((o) => o.name === 'broken');
    assert.deepEqual(op?.namespaces, []);
    assert.deepEqual(op?.manifests, ['0000_40_broken_01.yaml']);
  });

  it('keeps multi-arch fields and falls back to the image stream name without release-metadata', () => {
    const input = payload410();
    input.files.delete('release-metadata');
    input.listDigest = `sha256:${'c'.repeat(64)}`;
    input.platforms = ['linux/amd64', 'linux/arm64'];
    const r = buildRelease(input);
    assert.equal(r.metadata, undefined);
    assert.equal(r.version, NAME_410);
    assert.equal(r.listDigest, input.listDigest);
    assert.deepEqual(r.platforms, ['linux/amd64', 'linux/arm64']);
  });

  it('builds the CVO test payload (YAML image-references without trailing newline, no tags)', () => {
    const r = buildRelease({
      pullSpec: 'localhost:5000/test/release:1.0.0-abc',
      digest: `sha256:${'d'.repeat(64)}`,
      created: '2020-01-01T00:00:00Z',
      os: 'linux',
      architecture: 'amd64',
      labels: {},
      files: new Map([
        ['image-references', read(path.join(PAYLOAD, 'cvo-testdata', 'payloadtest', 'image-references'))],
        ['release-metadata', read(path.join(PAYLOAD, 'cvo-testdata', 'payloadtest', 'release-metadata'))],
      ]),
    });
    assert.equal(r.version, '1.0.0-abc');
    assert.deepEqual(r.components, []);
    assert.deepEqual(r.operators, []);
  });

  it('refuses an image without image-references with not-a-payload', () => {
    assert.throws(
      () => buildRelease({ ...payload410(), files: new Map([['0000_50_x_y.yaml', '{}']]) }),
      (err: unknown) =>
        err instanceof OkdError &&
        err.kind === 'not-a-payload' &&
        err.message === 'quay.io/openshift-release-dev/ocp-release:4.10.0-x86_64 has no release-manifests/image-references',
    );
  });

  it('builds 146 components and ~700 manifests of a payload-sized release', () => {
    // What it finds, not how fast: bench/model.ts reports buildRelease's CPU time on this input.
    const input = payload410(syntheticManifests(read(IMAGE_REFS_410), 700));
    const r = buildRelease(input);
    assert.equal(r.manifests.length, 706);
    assert.equal(r.components.length, 146);
    assert.deepEqual(r.warnings, []);
    const synthetic = r.operators.filter((o) => o.name.startsWith('synthetic-operator-'));
    assert.equal(synthetic.length, 60);
    // Every 7th file (i % 7 === 1) holds a Namespace and a Deployment whose image and env are payload pullspecs.
    const deployments = synthetic.flatMap((o) => o.deployments);
    assert.equal(deployments.length, 100);
    for (const d of deployments) {
      assert.equal(d.namespace, `openshift-${d.name.replace(/-\d+$/, '')}`);
      const container = d.containers[0];
      assert.ok(container?.component, `${d.name}: its image is matched to a component`);
      assert.deepEqual(container.references.map((ref) => ref.field), ['env:OPERATOR_IMAGE', 'env:OPERAND_IMAGE']);
    }
    const first = r.operators.find((o) => o.name === 'synthetic-operator-1');
    assert.ok(first && first.deployments.length > 0 && first.images.length > 0);
    assert.deepEqual(first.namespaces, ['openshift-synthetic-operator-1']);
    // The ConfigMaps' embedded `kind: Deployment` text is data, not a workload: Deployments only, 100 of them.
    assert.ok(deployments.every((d) => d.kind === 'Deployment'));
  });
});

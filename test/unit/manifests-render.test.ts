// Rendering a checkout's manifests/ as `oc adm release new` does: placeholders from image-references, the snapshot
// versions, file names, the profile filter and which component the checkout is.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { releaseFileName, render, renderManifestFiles, replaceSnapshotVersions, type RenderRelease } from '../../src/core/manifests/render';
import type { Component } from '../../src/core/release/model';
import { COMPONENT, CRD_NAME, NAMESPACE, NEW_CONFIGMAP, ROLE_NAME, writeCheckout } from '../support/manifests/checkout';

const OPERATOR = 'quay.io/okd/scos-content@sha256:' + 'a'.repeat(64);
const REGISTRY = 'quay.io/okd/scos-content@sha256:' + 'b'.repeat(64);

function component(name: string, pullSpec: string): Component {
  return { name, pullSpec, digest: pullSpec.slice(pullSpec.indexOf('@') + 1), commit: '', ref: '', source: '', versions: {}, versionDisplayNames: {}, override: false, annotations: {} };
}

const release: RenderRelease = {
  version: '4.19.0-okd-scos.16',
  components: [component(COMPONENT, OPERATOR), component('docker-registry', REGISTRY)],
  componentVersions: { kubernetes: { version: '1.32.3' } },
};

describe('manifests render', () => {
  it('names files as oc adm release new does', () => {
    assert.equal(releaseFileName(COMPONENT, '07-operator.yaml'), `0000_50_${COMPONENT}_07-operator.yaml`);
    assert.equal(releaseFileName(COMPONENT, '0000_30_x_crd.yaml'), '0000_30_x_crd.yaml');
  });

  it('replaces 0.0.1-snapshot with the release version and 0.0.1-snapshot-<name> with component versions', () => {
    assert.equal(replaceSnapshotVersions('value: "0.0.1-snapshot"\nv: 0.0.1-snapshot\n', '4.19.0-okd-scos.16', {}), 'value: "4.19.0-okd-scos.16"\nv: 4.19.0-okd-scos.16\n');
    assert.equal(replaceSnapshotVersions('k: 0.0.1-snapshot-kubernetes', '4.19.0', { kubernetes: { version: '1.32.3' } }), 'k: 1.32.3');
    assert.equal(replaceSnapshotVersions('v: 0.0.1-snapshot', '4.19.0+build.5', {}), 'v: 4.19.0', 'semver build metadata is dropped');
    assert.equal(replaceSnapshotVersions('v: 0.0.1-snapshot', 'not-semver', {}), 'v: 0.0.1-snapshot', 'oc leaves it for a non-semver name');
    assert.equal(replaceSnapshotVersions('x10.0.1-snapshot', '4.19.0', {}), 'x10.0.1-snapshot', 'only whole words');
    assert.throws(() => replaceSnapshotVersions('k: 0.0.1-snapshot-nothing', '4.19.0', {}), (err: unknown) => err instanceof OkdError && /0\.0\.1-snapshot-nothing/.test(err.message));
  });

  it('renders the checkout: placeholders to the payload digests, versions, names, objects in CVO order', async () => {
    const dir = writeCheckout({ newConfigMap: true });
    const r = await render(dir, release);
    assert.equal(r.component, COMPONENT, 'the image-references tag the Deployment runs');
    assert.deepEqual(
      r.objects.map((o) => [o.file, o.object.kind, o.object.metadata.name]),
      [
        [`0000_50_${COMPONENT}_00-crd.yaml`, 'CustomResourceDefinition', CRD_NAME],
        [`0000_50_${COMPONENT}_01-role.yaml`, 'Role', ROLE_NAME],
        [`0000_50_${COMPONENT}_02-dev-settings.yaml`, 'ConfigMap', NEW_CONFIGMAP],
        [`0000_50_${COMPONENT}_07-operator.yaml`, 'Deployment', COMPONENT],
        [`0000_50_${COMPONENT}_08-clusteroperator.yaml`, 'ClusterOperator', 'image-registry'],
      ],
    );
    const deployment = r.objects[3]?.object as unknown as { spec: { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } } };
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container?.image, OPERATOR);
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env['OPERATOR_IMAGE'], OPERATOR);
    assert.equal(env['IMAGE'], REGISTRY);
    assert.equal(env['IMAGE_PRUNER'], 'quay.io/openshift/origin-cli:v4.0', 'a tag the release lacks keeps its placeholder');
    assert.equal(env['RELEASE_VERSION'], '4.19.0-okd-scos.16');
    assert.equal(env['OPERATOR_IMAGE_VERSION'], '4.19.0-okd-scos.16');
    assert.equal((r.objects[2]?.object['data'] as Record<string, string>)['version'], '4.19.0-okd-scos.16');
    assert.deepEqual(r.images, { 'docker.io/openshift/origin-cluster-image-registry-operator:latest': OPERATOR, 'docker.io/openshift/origin-docker-registry:latest': REGISTRY });
    assert.match(r.warnings.join('\n'), /tag cli .* is not in release/);
    assert.equal(r.objects[1]?.object.metadata.namespace, NAMESPACE);
  });

  it('reads JSON, multi-document YAML and List kinds; drops other profiles and release.openshift.io/delete', () => {
    const include = { 'include.release.openshift.io/self-managed-high-availability': 'true' };
    const files = new Map<string, string>([
      ['a.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'ns', annotations: include } })],
      [
        'b.yaml',
        '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n  namespace: ns\n  annotations:\n    include.release.openshift.io/self-managed-high-availability: "true"\n---\n# empty\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hypershift-only\n  annotations:\n    include.release.openshift.io/hypershift: "true"\n',
      ],
      ['c.yaml', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: three\n    namespace: ns\n    annotations:\n      include.release.openshift.io/self-managed-high-availability: "true"\n      release.openshift.io/delete: "true"\n'],
      ['README.md', 'not a manifest'],
    ]);
    const r = renderManifestFiles(files, release, { component: COMPONENT });
    assert.deepEqual(r.objects.map((o) => [o.file, o.object.metadata.name]), [[`0000_50_${COMPONENT}_a.json`, 'one'], [`0000_50_${COMPONENT}_b.yaml`, 'two']]);
    assert.deepEqual(r.excluded.map((e) => [e.object, e.reason.split(':')[0]]), [['ConfigMap/hypershift-only', 'not included in profile self-managed-high-availability'], ['ConfigMap/ns/three', 'release.openshift.io/delete']]);
  });

  it('asks for --component when no workload runs an image-references image, and names a broken file', () => {
    const files = new Map([['x.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n']]);
    assert.throws(() => renderManifestFiles(files, release), (err: unknown) => err instanceof OkdError && /--component/.test(err.hint ?? ''));
    assert.throws(() => renderManifestFiles(new Map([['bad.yaml', 'kind: [\n']]), release, { component: COMPONENT }), (err: unknown) => err instanceof OkdError && /manifests\/bad\.yaml/.test(err.message));
    assert.throws(() => renderManifestFiles(new Map([['noname.yaml', 'apiVersion: v1\nkind: ConfigMap\n']]), release, { component: COMPONENT }), /metadata\.name/);
  });

  it('a checkout without manifests/ is an error a user can act on', async () => {
    const dir = writeCheckout();
    fs.rmSync(path.join(dir, 'manifests'), { recursive: true });
    await assert.rejects(render(dir, release), (err: unknown) => err instanceof OkdError && err.kind === 'not-found' && /manifests\//.test(err.message));
  });
});

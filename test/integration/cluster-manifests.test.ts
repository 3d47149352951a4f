// `okd-dev cluster apply-manifests` and `restore-manifests` through the CLI on the test cluster, whose CVO runs a
// payload built from the same operator manifests (plus a CRD and a Role): a checkout without changes renders to
// what the cluster holds; --dry-run shows the changed CRD field, Role rule and Deployment env and a new ConfigMap
// and changes nothing; apply writes exactly those, each behind its override (another user's override kept), the
// CVO leaves them; restore brings back the payload's objects and deletes the new one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import type { OkdPayloadCluster } from '../support/cluster/okd';
import { pushComponentImage } from '../support/cluster/payload';
import { cliEnv, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { COMPONENT, CRD_NAME, NAMESPACE, NEW_CONFIGMAP, ROLE_NAME, startManifestsCluster, writeCheckout } from '../support/manifests/checkout';

const CV = '/apis/config.openshift.io/v1/clusterversions/version';
const CRD = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`;
const ROLE = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles/${ROLE_NAME}`;
const DEPLOYMENT = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${COMPONENT}`;
const CONFIGMAP = `/api/v1/namespaces/${NAMESPACE}/configmaps/${NEW_CONFIGMAP}`;
const RECORD = `/api/v1/namespaces/${NAMESPACE}/configmaps/okd-dev-manifests-${COMPONENT}`;
const OTHERS = { kind: 'Deployment', group: 'apps', namespace: 'openshift-monitoring', name: 'someone-elses', unmanaged: true };

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('okd-dev cluster apply-manifests / restore-manifests on the test cluster', { timeout: 600_000 }, () => {
  let pc: OkdPayloadCluster;
  let env: NodeJS.ProcessEnv;

  const get = async (path: string): Promise<any> => {
    const r = await apiRequest(pc.cluster, 'GET', path);
    return r.code === 404 ? undefined : r.json;
  };
  const overrides = async (): Promise<any[]> => (await get(CV)).spec?.overrides ?? [];
  const crdFields = async () => Object.keys((await get(CRD)).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties).sort();
  const roleResources = async () => ((await get(ROLE)).rules as { resources: string[] }[]).map((r) => r.resources.join(','));
  const envNames = async () => ((await get(DEPLOYMENT)).spec.template.spec.containers[0].env as { name: string }[]).map((e) => e.name);
  /** What the CVO put there from the payload. */
  const payloadState = async () => ({ crd: await crdFields(), role: await roleResources(), devEnv: (await envNames()).includes('DEV_FEATURE'), configMap: (await get(CONFIGMAP)) !== undefined });
  const PAYLOAD_STATE = { crd: ['logLevel'], role: ['configmaps'], devEnv: false, configMap: false };

  before(async () => {
    pc = await startManifestsCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    // Another user's override, which nothing here may drop.
    const cv = await get(CV);
    const patched = await apiRequest(pc.cluster, 'PATCH', CV, {
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/metadata/resourceVersion', value: cv.metadata.resourceVersion }, { op: 'add', path: '/spec/overrides', value: [OTHERS] }],
    });
    assert.equal(patched.code, 200, patched.text);
  });

  after(() => pc?.stop());

  it('a checkout without changes renders to exactly what the CVO applied', async () => {
    assert.deepEqual(await payloadState(), PAYLOAD_STATE);
    const r = await runCli(['cluster', 'apply-manifests', writeCheckout(), '--dry-run', '-o', 'json', '--insecure'], env);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.component, COMPONENT);
    assert.equal(d.version, pc.release.version);
    assert.deepEqual(
      d.objects.map((o: any) => [o.object, o.state, o.changes.map((c: any) => c.path)]),
      [
        [`CustomResourceDefinition.apiextensions.k8s.io/${CRD_NAME}`, 'unchanged', []],
        [`Role.rbac.authorization.k8s.io/${NAMESPACE}/${ROLE_NAME}`, 'unchanged', []],
        [`Deployment.apps/${NAMESPACE}/${COMPONENT}`, 'unchanged', []],
        ['ClusterOperator.config.openshift.io/image-registry', 'unchanged', []],
      ],
    );
  });

  it('--dry-run prints the difference and changes nothing; apply writes exactly it, each behind its override; the CVO leaves it; restore brings the payload back', async () => {
    const checkout = writeCheckout({ crdFields: ['cacheSize'], roleRules: [['secrets']], env: { DEV_FEATURE: 'on' }, newConfigMap: true });

    const dry = await runCli(['cluster', 'apply-manifests', checkout, '--dry-run', '--insecure'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`~ changed +CustomResourceDefinition\\.apiextensions\\.k8s\\.io/${CRD_NAME.replace(/\./g, '\\.')}`));
    assert.match(dry.stdout, /spec\.versions\[v1\]\.schema\.openAPIV3Schema\.properties\.spec\.properties\.cacheSize: \(none\) -> \{"type":"string"/);
    assert.match(dry.stdout, /~ changed +Role\.rbac\.authorization\.k8s\.io\/openshift-image-registry\/cluster-image-registry-operator-dev/);
    assert.match(dry.stdout, /^ +rules: /m);
    assert.match(dry.stdout, /spec\.template\.spec\.containers\[cluster-image-registry-operator\]\.env: /);
    assert.match(dry.stdout, new RegExp(`\\+ new +ConfigMap/${NAMESPACE}/${NEW_CONFIGMAP}`));
    assert.match(dry.stdout, /= unchanged ClusterOperator\.config\.openshift\.io\/image-registry/);
    assert.match(dry.stdout, /^1 new, 3 changed, 1 unchanged$/m);
    assert.match(dry.stdout, /Dry run: nothing was changed/);
    assert.deepEqual(await overrides(), [OTHERS]);
    assert.deepEqual(await payloadState(), PAYLOAD_STATE);
    assert.equal(await get(RECORD), undefined);

    const applied = await runCli(['cluster', 'apply-manifests', checkout, '-o', 'json', '--insecure'], env);
    assert.equal(applied.code, 0, applied.stderr);
    const result = JSON.parse(applied.stdout);
    assert.deepEqual(
      result.applied.map((a: any) => [a.object, a.how, a.overrideAdded]),
      [
        [`CustomResourceDefinition.apiextensions.k8s.io/${CRD_NAME}`, 'updated', true],
        [`Role.rbac.authorization.k8s.io/${NAMESPACE}/${ROLE_NAME}`, 'updated', true],
        [`ConfigMap/${NAMESPACE}/${NEW_CONFIGMAP}`, 'created', true],
        [`Deployment.apps/${NAMESPACE}/${COMPONENT}`, 'updated', true],
      ],
    );
    assert.deepEqual(await overrides(), [
      OTHERS,
      { kind: 'CustomResourceDefinition', group: 'apiextensions.k8s.io', namespace: '', name: CRD_NAME, unmanaged: true },
      { kind: 'Role', group: 'rbac.authorization.k8s.io', namespace: NAMESPACE, name: ROLE_NAME, unmanaged: true },
      { kind: 'ConfigMap', group: '', namespace: NAMESPACE, name: NEW_CONFIGMAP, unmanaged: true },
      { kind: 'Deployment', group: 'apps', namespace: NAMESPACE, name: COMPONENT, unmanaged: true },
    ]);
    const appliedState = { crd: ['cacheSize', 'logLevel'], role: ['configmaps', 'secrets'], devEnv: true, configMap: true };
    assert.deepEqual(await payloadState(), appliedState);
    const crd = await get(CRD);
    assert.equal(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-preserve-unknown-fields'], true, 'written as raw JSON, field names intact');
    assert.equal((await get(CONFIGMAP)).data.version, pc.release.version);
    const deployment = await get(DEPLOYMENT);
    assert.equal(deployment.spec.template.spec.containers[0].image, pc.release.images[COMPONENT], 'the image is the payload\'s');
    const record = await get(RECORD);
    assert.equal(Object.keys(record.data).length, 4);

    await pc.cluster.cvoSyncs(2);
    assert.deepEqual(await payloadState(), appliedState, 'the CVO leaves overridden objects alone');

    const again = await runCli(['cluster', 'apply-manifests', checkout, '--dry-run', '-o', 'json', '--insecure'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).objects.map((o: any) => o.state), ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);

    const restored = await runCli(['cluster', 'restore-manifests', COMPONENT, '--insecure'], env, 360_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, new RegExp(`ConfigMap/${NAMESPACE}/${NEW_CONFIGMAP}: deleted`));
    assert.match(restored.stdout, new RegExp(`CustomResourceDefinition\\.apiextensions\\.k8s\\.io/${CRD_NAME.replace(/\./g, '\\.')}: restored by the cluster-version operator`));
    assert.match(restored.stdout, /Deployment\.apps\/openshift-image-registry\/cluster-image-registry-operator: restored by the cluster-version operator/);
    assert.deepEqual(await overrides(), [OTHERS], 'only okd-dev\'s overrides are removed');
    assert.deepEqual(await payloadState(), PAYLOAD_STATE);
    assert.equal(await get(RECORD), undefined, 'the record is gone');

    // The CVO manages them again: a manual change to the Role is reverted.
    const role = await get(ROLE);
    const edited = await apiRequest(pc.cluster, 'PUT', ROLE, { body: { ...role, rules: [...role.rules, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } });
    assert.equal(edited.code, 200, edited.text);
    await eventually(async () => (await roleResources()).join(';') === 'configmaps', 30_000, 'the CVO to revert the Role');

    const nothing = await runCli(['cluster', 'restore-manifests', COMPONENT, '--insecure'], env);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /okd-dev applied no manifests of cluster-image-registry-operator/);
  });

  it('on an operator patched with `cluster patch`: the dev image stays, the patch\'s override is not okd-dev\'s to remove', async () => {
    const devImage = await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'dev', 'my-build');
    const patched = await runCli(['cluster', 'patch', COMPONENT, devImage, '--no-wait', '--insecure'], env);
    assert.equal(patched.code, 0, patched.stderr);
    const container = async () => (await get(DEPLOYMENT)).spec.template.spec.containers[0];
    const operatorImage = async () => ((await container()).env as { name: string; value?: string }[]).find((e) => e.name === 'OPERATOR_IMAGE')?.value;
    assert.equal(await operatorImage(), devImage);

    const checkout = writeCheckout({ env: { DEV_FEATURE: 'on' } });
    const dry = await runCli(['cluster', 'apply-manifests', checkout, '--dry-run', '-o', 'json', '--insecure'], env);
    assert.equal(dry.code, 0, dry.stderr);
    const deployment = JSON.parse(dry.stdout).objects.find((o: any) => o.ref.kind === 'Deployment');
    assert.deepEqual(deployment.changes.map((c: any) => c.path), ['spec.template.spec.containers[cluster-image-registry-operator].env']);
    assert.ok(!JSON.stringify(deployment.changes[0].rendered).includes(pc.release.images[COMPONENT] as string), 'the payload image is not put back into OPERATOR_IMAGE');

    const applied = await runCli(['cluster', 'apply-manifests', checkout, '--insecure'], env);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /updated Deployment\.apps\/openshift-image-registry\/cluster-image-registry-operator, override .* \(already set\)/);
    assert.equal((await container()).image, devImage);
    assert.equal(await operatorImage(), devImage);
    assert.ok((await envNames()).includes('DEV_FEATURE'));

    const restored = await runCli(['cluster', 'restore-manifests', COMPONENT, '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /cluster-image-registry-operator: put back \(its override is not okd-dev's and stays\)/);
    assert.ok(!(await envNames()).includes('DEV_FEATURE'));
    assert.equal((await container()).image, devImage, 'the patch is still in place');
    assert.ok((await overrides()).some((o) => o.kind === 'Deployment' && o.name === COMPONENT), 'the patch\'s override stays');

    const unpatched = await runCli(['cluster', 'restore', COMPONENT, '--insecure'], env, 300_000);
    assert.equal(unpatched.code, 0, unpatched.stderr);
    assert.deepEqual(await overrides(), [OTHERS]);
  });
});

// `okd-dev dev loop` picks up the checkout's manifests/ on the test cluster: the sample operator checkout carries
// the operator's manifests (its Deployment, a CRD and a Role, as the cluster's payload ships them) with a
// developer's changes: a new CRD field, a new Role rule, a new env var on the operator Deployment. --no-manifests
// patches only the image; the loop applies the three changes with the patch (each behind its own override, the
// Deployment's env with the dev image kept); a loop with nothing new says so; `cluster restore` brings back the
// payload's CRD, Role and Deployment and removes every override okd-dev added.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import type { OkdPayloadCluster } from '../support/cluster/okd';
import { cliEnv, runCli } from '../support/cli';
import { COMPONENT, CRD_NAME, NAMESPACE, ROLE_NAME, startManifestsCluster, writeCheckout } from '../support/manifests/checkout';
import { createSampleOperator, type SampleOperator } from '../support/sample-operator';

const CV = '/apis/config.openshift.io/v1/clusterversions/version';
const CRD = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`;
const ROLE = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles/${ROLE_NAME}`;
const DEPLOYMENT = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${COMPONENT}`;
const RECORD = `/api/v1/namespaces/${NAMESPACE}/configmaps/okd-dev-manifests-${COMPONENT}`;
const CRD_REF = `CustomResourceDefinition.apiextensions.k8s.io/${CRD_NAME}`;
const ROLE_REF = `Role.rbac.authorization.k8s.io/${NAMESPACE}/${ROLE_NAME}`;
const DEPLOYMENT_REF = `Deployment.apps/${NAMESPACE}/${COMPONENT}`;

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('okd-dev dev loop applies the checkout\'s manifests on the test cluster', { timeout: 900_000 }, () => {
  let pc: OkdPayloadCluster;
  let sample: SampleOperator;
  let env: NodeJS.ProcessEnv;
  let devRepository: string;

  const get = async (p: string): Promise<any> => {
    const r = await apiRequest(pc.cluster, 'GET', p);
    return r.code === 404 ? undefined : r.json;
  };
  const overrides = async (): Promise<string[]> => ((await get(CV)).spec?.overrides ?? []).map((o: any) => `${o.kind}/${o.namespace}/${o.name}`);
  const crdFields = async () => Object.keys((await get(CRD)).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties).sort();
  const roleResources = async () => ((await get(ROLE)).rules as { resources: string[] }[]).map((r) => r.resources.join(','));
  const container = async () => (await get(DEPLOYMENT)).spec.template.spec.containers[0] as { image: string; env: { name: string; value?: string }[] };
  const envValue = async (name: string) => (await container()).env.find((e) => e.name === name)?.value;
  const payloadState = async () => ({ crd: await crdFields(), role: await roleResources(), devFeature: await envValue('DEV_FEATURE') });
  const PAYLOAD_STATE = { crd: ['logLevel'], role: ['configmaps'], devFeature: undefined };
  const loop = (...args: string[]) => runCli(['dev', 'loop', '--path', sample.dir, '--to', devRepository, '--insecure', '--timeout', '120', ...args], { ...env, ...sample.goEnv }, 600_000);

  before(async () => {
    pc = await startManifestsCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    devRepository = `${pc.registry.host}/me/okd-dev`;
    sample = createSampleOperator({ baseImage: pc.release.images[COMPONENT] as string });
    // The developer's edits to the operator's manifests/: a CRD field, a Role rule, an env var on the Deployment.
    const edited = writeCheckout({ crdFields: ['cacheSize'], roleRules: [['secrets']], env: { DEV_FEATURE: 'on' } });
    fs.rmSync(path.join(sample.dir, 'manifests'), { recursive: true, force: true });
    fs.cpSync(path.join(edited, 'manifests'), path.join(sample.dir, 'manifests'), { recursive: true });
    fs.rmSync(path.dirname(edited), { recursive: true, force: true });
  });

  after(async () => {
    sample?.remove();
    await pc?.stop();
  });

  it('--no-manifests patches the image only: the CRD, the Role and the Deployment\'s env stay the payload\'s', async () => {
    assert.deepEqual(await payloadState(), PAYLOAD_STATE);
    const run = await loop('--no-manifests', '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.manifests.state, 'off');
    assert.equal((await container()).image, result.image);
    assert.deepEqual(await payloadState(), PAYLOAD_STATE);
    assert.deepEqual(await overrides(), [`Deployment/${NAMESPACE}/${COMPONENT}`]);
  });

  it('the loop applies the CRD field, the Role rule and the env var with the patch, each behind its override; the CVO leaves them', async () => {
    const run = await loop('-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result.stages.map((s: any) => `${s.name}:${s.state}`), ['prepare:done', 'build:done', 'push:done', 'patch:done', 'rollout:done']);
    assert.equal(result.manifests.state, 'applied');
    assert.deepEqual(
      result.manifests.applied.map((a: any) => [a.object, a.how, a.overrideAdded]),
      [
        [CRD_REF, 'updated', true],
        [ROLE_REF, 'updated', true],
        // The patch's override was there: the Deployment's env goes behind it.
        [DEPLOYMENT_REF, 'updated', false],
      ],
    );
    assert.match(result.stages.find((s: any) => s.name === 'patch').detail, /manifests: applied 3 objects/);
    const applied = { crd: ['cacheSize', 'logLevel'], role: ['configmaps', 'secrets'], devFeature: 'on' };
    assert.deepEqual(await payloadState(), applied);
    assert.equal((await container()).image, result.image, 'the dev image runs');
    assert.equal(await envValue('OPERATOR_IMAGE'), result.image, 'the env var carrying the image keeps the dev image');
    assert.deepEqual((await overrides()).sort(), [`CustomResourceDefinition//${CRD_NAME}`, `Deployment/${NAMESPACE}/${COMPONENT}`, `Role/${NAMESPACE}/${ROLE_NAME}`]);
    assert.ok(await get(RECORD), 'what restore needs is recorded in the cluster');
    await pc.cluster.cvoSyncs(2);
    assert.deepEqual(await payloadState(), applied, 'the CVO leaves the overridden objects alone');
  });

  it('a loop with nothing new in manifests/ says so and changes none of them', async () => {
    const record = (await get(RECORD)).metadata.resourceVersion;
    const run = await loop();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Manifests: nothing to apply: the cluster holds the 4 objects of manifests\/$/m);
    assert.equal((await get(RECORD)).metadata.resourceVersion, record);
  });

  it('cluster restore brings back the payload\'s CRD, Role and Deployment and removes okd-dev\'s overrides', async () => {
    const restored = await runCli(['cluster', 'restore', COMPONENT, '--insecure', '--timeout', '300'], env, 400_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored the manifests of cluster-image-registry-operator:$/m);
    assert.match(restored.stdout, new RegExp(`${CRD_REF.replace(/\./g, '\\.')}: restored by the cluster-version operator`));
    assert.match(restored.stdout, new RegExp(`${ROLE_REF.replace(/\./g, '\\.')}: restored by the cluster-version operator`));
    assert.match(restored.stdout, /^Restored cluster-image-registry-operator: Deployment openshift-image-registry\/cluster-image-registry-operator \(override removed/m);
    assert.deepEqual(await overrides(), []);
    assert.deepEqual(await payloadState(), PAYLOAD_STATE);
    assert.equal((await container()).image, pc.release.images[COMPONENT]);
    assert.equal(await get(RECORD), undefined, 'the record is gone');
  });
});

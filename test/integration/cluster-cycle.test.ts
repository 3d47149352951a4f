// The operator loop against the test cluster (a real kube-apiserver and controllers, the test cluster's CVO and
// node agent), a real registry and the CLI as a process, with kubectl as the
// independent judge: override + patch + rollout + restore, the CVO's honesty without an override, a missing
// image, and a concurrent override writer.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterClient } from '../../src/core/cluster/client';
import { addOverride } from '../../src/core/cluster/overrides';
import { patchOperator } from '../../src/core/cluster/patch';
import { ORIGINAL_IMAGES_ANNOTATION, PATCHED_LABEL } from '../../src/core/cluster/record';
import { OkdError } from '../../src/core/errors';
import { apiRequest, kubectl, kubectlEnv } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { pushComponentImage } from '../support/cluster/payload';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { cliEnv, runCli } from '../support/cli';

const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';
const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';

describe('okd-dev cluster patch / restore against the test cluster', { timeout: 600_000 }, () => {
  let pc: OkdPayloadCluster;
  let env: NodeJS.ProcessEnv;
  let kenv: NodeJS.ProcessEnv;
  let devImage: string;
  let payloadImage: string;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const deployment = async (): Promise<any> => JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'deploy', NAME, '-o', 'json'])).stdout);
  const image = async () => (await deployment()).spec.template.spec.containers[0].image as string;
  const envOf = async (name: string) => ((await deployment()).spec.template.spec.containers[0].env as { name: string; value?: string }[]).find((e) => e.name === name)?.value;
  const overrides = async () => ((await apiRequest(pc.cluster, 'GET', CV_PATH)).json.spec.overrides ?? []) as { name: string }[];

  before(async () => {
    pc = await startOkdPayloadCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    kenv = kubectlEnv(pc.cluster);
    payloadImage = pc.release.images[NAME] as string;
    devImage = await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'dev', 'my-build');
  });

  after(() => pc.stop());

  it('without an override the CVO reverts a manual patch', async () => {
    const set = await kubectl(kenv, ['-n', NS, 'set', 'image', `deploy/${NAME}`, `${NAME}=${devImage}`]);
    assert.equal(set.code, 0, set.stderr);
    // The CVO reacts to the change through its informers; the limit is only for a CVO that never does.
    await eventually(async () => (await image()) === payloadImage, 15_000, 'the CVO to put the payload image back');
  });

  it('patches an operator by tag: override, image and OPERATOR_IMAGE by digest, rollout; the CVO leaves it; restore puts the payload back', async () => {
    const tagged = `${pc.registry.host}/dev/cluster-image-registry-operator:dev`;
    const patched = await runCli(['cluster', 'patch', NAME, tagged, '--insecure'], env);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, /^Patched cluster-image-registry-operator: Deployment openshift-image-registry\/cluster-image-registry-operator \(release 4\.19\.0-okd-scos\.16\)$/m);
    assert.match(patched.stdout, /override Deployment\.apps\/openshift-image-registry\/cluster-image-registry-operator unmanaged added/);
    assert.match(patched.stdout, /^Rollout complete: 1\/1 replicas updated and available$/m);

    assert.deepEqual(await overrides(), [{ kind: 'Deployment', group: 'apps', namespace: NS, name: NAME, unmanaged: true }]);
    assert.equal(await image(), devImage);
    assert.equal(await envOf('OPERATOR_IMAGE'), devImage);
    const record = JSON.parse((await deployment()).metadata.annotations[ORIGINAL_IMAGES_ANNOTATION]);
    assert.deepEqual(record.containers, { [NAME]: payloadImage });
    assert.deepEqual(record.env, { [NAME]: { OPERATOR_IMAGE: payloadImage } });
    const pods = JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'pods', '-l', `name=${NAME}`, '-o', 'json'])).stdout).items;
    assert.deepEqual(pods.map((p: { spec: { containers: { image: string }[] }; status: { phase: string } }) => [p.spec.containers[0]?.image, p.status.phase]), [[devImage, 'Running']]);

    await pc.cluster.cvoSyncs(2);
    assert.equal(await image(), devImage, 'the CVO must leave an overridden Deployment alone');

    const status = await runCli(['cluster', 'status', '-o', 'json'], env);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.context, 'admin');
    assert.equal(s.release.image, pc.image);
    assert.deepEqual(s.overrides.map((o: { name: string; ours: boolean }) => [o.name, o.ours]), [[NAME, true]]);
    assert.deepEqual(s.patched.map((p: { operator: string; images: Record<string, string>; rollout: { state: string } }) => [p.operator, p.images[NAME], p.rollout.state]), [[NAME, devImage, 'complete']]);
    assert.equal(s.conditions.find((c: { type: string }) => c.type === 'Upgradeable').reason, 'ClusterVersionOverridesSet');

    const restored = await runCli(['cluster', 'restore', NAME, '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored cluster-image-registry-operator: Deployment openshift-image-registry\/cluster-image-registry-operator \(override removed, payload Deployment back, rolled out\)$/m);
    assert.equal(await image(), payloadImage);
    assert.equal(await envOf('OPERATOR_IMAGE'), payloadImage);
    assert.equal((await deployment()).metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
    assert.deepEqual(await overrides(), []);
    await pc.cluster.cvoSyncs(2);
    assert.equal(await image(), payloadImage, 'the CVO manages the Deployment again');
  });

  it('reports a missing image as a rollout failure with the pod reason, and restore still works', async () => {
    const missing = `${pc.registry.host}/dev/not-pushed@sha256:${'0'.repeat(64)}`;
    // By default the patch checks first that the cluster can pull the image, and stops with nothing changed.
    const checked = await runCli(['cluster', 'patch', `${NS}/${NAME}`, missing, '--insecure', '--timeout', '20'], env);
    assert.equal(checked.code, 1, checked.stdout + checked.stderr);
    assert.match(checked.stderr, /^error: the cluster cannot pull \S+ for the pods of Deployment \S+ \(ServiceAccount \S+; tried anonymous\): 404 Not Found: manifest sha256:0+ not found in \S+; nothing was changed\. Push the image first/);
    assert.equal(await image(), payloadImage);
    assert.deepEqual(await overrides(), []);
    // Without the check, the rollout itself fails with the node's pull error.
    const patched = await runCli(['cluster', 'patch', `${NS}/${NAME}`, missing, '--insecure', '--timeout', '20', '--no-pull-check'], env);
    assert.equal(patched.code, 1, patched.stdout + patched.stderr);
    assert.match(
      patched.stderr,
      new RegExp(
        `^error: rollout of Deployment ${NS}/${NAME} failed: pod ${NAME}-[a-z0-9]+-[a-z0-9]+ container ${NAME}: (ErrImagePull|ImagePullBackOff): [^\\n]*${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*manifest unknown\\. The patch stays in place; fix the image and patch again, or restore with \`okd-dev cluster restore ${NS}/${NAME}\`\\n$`,
      ),
    );
    assert.equal(await image(), missing);
    const restored = await runCli(['cluster', 'restore', '--all', '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored openshift-image-registry\/cluster-image-registry-operator: /m);
    assert.equal(await image(), payloadImage);
    assert.equal((await deployment()).status.availableReplicas, 1);
    assert.deepEqual(await overrides(), []);
  });

  it('keeps a concurrent writer\'s overrides: kubectl appends while okd-dev adds', async () => {
    const other = (name: string) => ({ kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespace: '', name, unmanaged: true });
    const seeded = await kubectl(kenv, ['patch', 'clusterversion', 'version', '--type=merge', '-p', JSON.stringify({ spec: { overrides: [other('first')] } })]);
    assert.equal(seeded.code, 0, seeded.stderr);
    const appends = ['k1', 'k2', 'k3', 'k4'].map((name) =>
      kubectl(kenv, ['patch', 'clusterversion', 'version', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/overrides/-', value: other(name) }])]),
    );
    const ours = runCli(['cluster', 'override', 'add', 'deployment/openshift-monitoring/cluster-monitoring-operator'], env);
    // In-process writers too, racing each other (their `test` ops must fail and be retried).
    const client = await ClusterClient.connect({ kubeconfig: pc.cluster.kubeconfigPath });
    const inProcess = ['a', 'b', 'c', 'd', 'e'].map((name) => addOverride(client, { kind: 'Deployment', group: 'apps', namespace: 'openshift-cluster-samples-operator', name, unmanaged: true }));
    const results = await Promise.all([...appends, ours]);
    await Promise.all(inProcess);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const names = (await overrides()).map((o) => o.name);
    assert.equal(names[0], 'first');
    assert.deepEqual([...names].sort(), ['a', 'b', 'c', 'cluster-monitoring-operator', 'd', 'e', 'first', 'k1', 'k2', 'k3', 'k4']);
    const cleared = await kubectl(kenv, ['patch', 'clusterversion', 'version', '--type=merge', '-p', '{"spec":{"overrides":null}}']);
    assert.equal(cleared.code, 0, cleared.stderr);
  });

  const setOverrides = async (list: unknown[] | null) => {
    const r = await kubectl(kenv, ['patch', 'clusterversion', 'version', '--type=merge', '-p', JSON.stringify({ spec: { overrides: list } })]);
    assert.equal(r.code, 0, r.stderr);
  };
  const podImages = async (name: string) =>
    JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'pods', '-l', `name=${name}`, '-o', 'json'])).stdout).items.map((p: { spec: { containers: { image: string }[] }; status: { phase: string } }) => [
      p.spec.containers[0]?.image,
      p.status.phase,
    ]);

  it("restore leaves another user's override in place and puts the payload images back itself", async () => {
    const theirs = { kind: 'Deployment', group: 'apps', namespace: NS, name: NAME, unmanaged: true };
    await setOverrides([theirs]);
    const patched = await runCli(['cluster', 'patch', NAME, devImage, '--insecure'], env);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, /override Deployment\.apps\/openshift-image-registry\/cluster-image-registry-operator unmanaged \(already set\)/);
    assert.equal(await image(), devImage);

    const restored = await runCli(['cluster', 'restore', NAME, '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored cluster-image-registry-operator: Deployment openshift-image-registry\/cluster-image-registry-operator \(the override was not okd-dev's and is left, payload images put back, rolled out\)$/m);
    assert.deepEqual(await overrides(), [theirs], "the other user's override stays");
    assert.equal(await image(), payloadImage);
    assert.equal(await envOf('OPERATOR_IMAGE'), payloadImage);
    assert.equal((await deployment()).metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
    assert.deepEqual(await podImages(NAME), [[payloadImage, 'Running']]);
    await pc.cluster.cvoSyncs(2);
    assert.equal(await image(), payloadImage);
    await setOverrides(null);
  });

  it('an entry okd-dev replaced (unmanaged: false, set by another user) is put back by restore, not removed', async () => {
    const theirs = { kind: 'Deployment', group: 'apps', namespace: NS, name: NAME, unmanaged: false };
    const other = { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespace: '', name: 'keep-me', unmanaged: true };
    await setOverrides([theirs, other]);
    const patched = await runCli(['cluster', 'patch', NAME, devImage, '--insecure'], env);
    assert.equal(patched.code, 0, patched.stderr);
    assert.deepEqual(await overrides(), [{ ...theirs, unmanaged: true }, other]);
    assert.deepEqual(JSON.parse((await deployment()).metadata.annotations[ORIGINAL_IMAGES_ANNOTATION]).previousOverride, theirs);
    // Patching again keeps what the first patch replaced.
    const again = await runCli(['cluster', 'patch', NAME, devImage.replace(/@.*/, ':dev'), '--insecure'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse((await deployment()).metadata.annotations[ORIGINAL_IMAGES_ANNOTATION]).previousOverride, theirs);

    const restored = await runCli(['cluster', 'restore', NAME, '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await overrides(), [theirs, other], 'the entry that was there before our patch is back, in its place');
    assert.equal(await image(), payloadImage);
    assert.equal((await deployment()).metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
    await setOverrides(null);
  });

  it('a failed Deployment patch puts the entry it replaced back instead of removing it', async () => {
    const theirs = { kind: 'Deployment', group: 'apps', namespace: NS, name: NAME, unmanaged: false };
    await setOverrides([theirs]);
    const client = await ClusterClient.connect({ kubeconfig: pc.cluster.kubeconfigPath });
    client.patchDeployment = async () => {
      throw new OkdError('forbidden', 'simulated: may not patch deployments');
    };
    await assert.rejects(patchOperator(client, { operator: NAME, image: devImage, registry: pc.client }), /simulated: may not patch deployments; the override was put back as it was, the cluster is as before/);
    assert.deepEqual(await overrides(), [theirs]);
    assert.equal(await image(), payloadImage);
    await setOverrides(null);
  });

  it('restore --all removes our override of a Deployment no longer in the payload, and puts its recorded images back', async () => {
    const retired = 'okd-dev-retired-operator';
    const ours = { kind: 'Deployment', group: 'apps', namespace: NS, name: retired, unmanaged: true };
    const record = { operator: `${NS}/${retired}`, containers: { operator: payloadImage }, env: {}, image: devImage, override: ours, patchedAt: new Date().toISOString() };
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: retired, namespace: NS, labels: { [PATCHED_LABEL]: 'true' }, annotations: { [ORIGINAL_IMAGES_ANNOTATION]: JSON.stringify(record) } },
      spec: { replicas: 1, selector: { matchLabels: { name: retired } }, template: { metadata: { labels: { name: retired } }, spec: { containers: [{ name: 'operator', image: devImage }] } } },
    };
    const dir = fs.mkdtempSync(path.join(path.dirname(pc.cluster.kubeconfigPath), 'retired-'));
    const file = path.join(dir, 'deployment.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    const created = await kubectl(kenv, ['create', '--validate=false', '-f', file]);
    assert.equal(created.code, 0, created.stderr);
    await setOverrides([ours]);

    const restored = await runCli(['cluster', 'restore', '--all', '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, new RegExp(`^Restored ${NS}/${retired}: Deployment ${NS}/${retired} \\(.*rolled out\\)$`, 'm'));
    assert.deepEqual(await overrides(), [], 'our override is removed, not orphaned');
    const d = JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'deploy', retired, '-o', 'json'])).stdout);
    assert.equal(d.spec.template.spec.containers[0].image, payloadImage);
    assert.equal(d.metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
    assert.deepEqual(await podImages(retired), [[payloadImage, 'Running']]);
    const deleted = await kubectl(kenv, ['-n', NS, 'delete', 'deploy', retired]);
    assert.equal(deleted.code, 0, deleted.stderr);
  });
});

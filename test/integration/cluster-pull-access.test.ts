// Pull access checked before a patch, on the test cluster with what OKD adds, whose node agent resolves images with
// the pod's pull secrets and openshift-config/pull-secret as OKD's kubelet does: it is the judge of every answer.
// A registry with token auth holds a private image: it is reported not pullable with the registry's answer, and
// pods really fail to pull it; after the user's credentials go into the global pull secret it is pullable and a pod
// starts; undo gives the secret back exactly (another entry kept); a namespace pull secret on one ServiceAccount
// makes it pullable for that ServiceAccount only. Then the same through `okd-dev cluster can-pull`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterClient } from '../../src/core/cluster/client';
import { checkPullAccess, checkWorkloadPullAccess } from '../../src/core/cluster/pullAccess';
import { addToGlobalPullSecret, pullSecretKeyFor, readGlobalPullSecretRecord, undoGlobalPullSecret, userPullAuth } from '../../src/core/cluster/pullSecretGlobal';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { pushComponentImage } from '../support/cluster/payload';
import {
  createNamespace,
  createPod,
  createPullSecret,
  createServiceAccount,
  dockerConfigJson,
  podPullSettled,
  readGlobalPullSecret,
  setGlobalPullSecret,
} from '../support/cluster/pullAccess';
import { startRegistry, type TestRegistry } from '../support/registry';

describe('pull access on the test cluster', { timeout: 600_000 }, () => {
  let okd: OkdPayloadCluster;
  let privateRegistry: TestRegistry;
  let client: ClusterClient;
  let privateImage: string;
  let publicImage: string;
  let tempDir: string;
  let probe: { insecure: true; tempDir: string };
  const NS = 'pull-team';

  before(async () => {
    privateRegistry = await startRegistry({ auth: 'token' });
    okd = await startOkdPayloadCluster({ args: ['--insecure-registry', privateRegistry.host] });
    const pusher = new RegistryClient({ insecure: true, authFile: privateRegistry.authFile as string });
    try {
      privateImage = await pushComponentImage(pusher, privateRegistry.host, 'me/operator', 'dev', 'operator');
    } finally {
      await pusher.close();
    }
    publicImage = await pushComponentImage(okd.client, okd.registry.host, 'public/tool', 'v1', 'tool');
    client = await ClusterClient.connect({ kubeconfig: okd.cluster.kubeconfigPath });
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-pull-access-'));
    probe = { insecure: true, tempDir };
    await createNamespace(okd.cluster, NS);
  });

  after(async () => {
    await okd?.stop();
    await privateRegistry?.stop();
    if (tempDir) {
      assert.deepEqual(fs.readdirSync(tempDir), [], 'no temporary auth file is left behind');
      fs.rmSync(tempDir, { recursive: true, force: true });
    }
  });

  it('an image anyone may pull is pullable anonymously', async () => {
    const access = await checkPullAccess(client, probe, { image: publicImage, namespace: NS, serviceAccount: 'default' });
    assert.equal(access.ok, true);
    assert.equal(access.ok && access.via, 'anonymous');
    assert.deepEqual(access.tried, ['anonymous']);
  });

  it('a private image is not pullable, with the registry answer; the node agent agrees', async () => {
    const access = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'default' });
    assert.equal(access.ok, false);
    assert.ok(!access.ok);
    assert.equal(access.kind, 'unauthorized');
    assert.match(access.reason, /^401 Unauthorized: registry 127\.0\.0\.1:\d+ requires authentication for repository me\/operator$/);
    assert.deepEqual(access.tried, ['anonymous']);
    await createPod(okd.cluster, NS, 'before-global', privateImage);
    const pod = await podPullSettled(okd.cluster, NS, 'before-global', 'refused');
    assert.match(pod.waiting?.message ?? '', /unauthorized|authentication required/);
  });

  it('okd-dev cluster patch with an image the cluster cannot pull stops before anything changes, naming the fix', async () => {
    const NAME = 'cluster-image-registry-operator';
    const deploymentPath = `/apis/apps/v1/namespaces/openshift-image-registry/deployments/${NAME}`;
    const before = { cv: (await client.getClusterVersion()).spec?.overrides ?? [], image: (await client.getDeployment('openshift-image-registry', NAME)).spec?.template?.spec?.containers?.[0]?.image };
    const env = cliEnv({ KUBECONFIG: okd.cluster.kubeconfigPath });
    const r = await runCli(['cluster', 'patch', NAME, privateImage, '--insecure'], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`^error: the cluster cannot pull ${privateImage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for the pods of Deployment openshift-image-registry/${NAME} \\(ServiceAccount ${NAME}; tried anonymous\\): 401 Unauthorized: .*; nothing was changed\\.`, 'm'));
    assert.match(r.stderr, /global pull secret openshift-config\/pull-secret/);
    assert.deepEqual((await client.getClusterVersion()).spec?.overrides ?? [], before.cv, 'no override was added');
    assert.equal((await client.getDeployment('openshift-image-registry', NAME)).spec?.template?.spec?.containers?.[0]?.image, before.image, `${deploymentPath} is unchanged`);
    // --no-pull-check patches anyway (the rollout then fails on the node, as before this check existed).
    const forced = await runCli(['cluster', 'patch', NAME, privateImage, '--insecure', '--no-pull-check', '--no-wait'], env);
    assert.equal(forced.code, 0, forced.stderr);
    const restored = await runCli(['cluster', 'restore', NAME, '--insecure'], env);
    assert.equal(restored.code, 0, restored.stderr);
  });

  it('okd-dev cluster patch --add-pull-secret adds your login for the image, the pods pull it, and restore takes it out again', async () => {
    const NAME = 'cluster-image-registry-operator';
    const before = await readGlobalPullSecret(okd.cluster);
    const env = cliEnv({ KUBECONFIG: okd.cluster.kubeconfigPath, REGISTRY_AUTH_FILE: privateRegistry.authFile as string });
    const r = await runCli(['cluster', 'patch', NAME, privateImage, '--insecure', '--add-pull-secret', '--timeout', '120'], env, 180_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Rollout complete: /m);
    const during = await readGlobalPullSecret(okd.cluster);
    assert.ok(Buffer.from(during.data['.dockerconfigjson'] ?? '', 'base64').toString().includes(pullSecretKeyFor(privateImage)), 'the entry for the image is in the global pull secret');
    assert.equal((await client.getDeployment('openshift-image-registry', NAME)).spec?.template?.spec?.containers?.[0]?.image, privateImage);
    const restored = await runCli(['cluster', 'restore', NAME, '--insecure', '--timeout', '120'], env, 180_000);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    const after = await readGlobalPullSecret(okd.cluster);
    assert.deepEqual(after.data, before.data, 'the global pull secret holds what it held before');
    assert.equal(after.annotations['okd-dev.openshift.io/pull-secret-entries'], before.annotations['okd-dev.openshift.io/pull-secret-entries']);
  });

  it('becomes pullable after the user credentials go into the global pull secret; undo restores the secret exactly', async () => {
    // Another entry the cluster already has, which must survive both the merge and the undo byte for byte.
    await setGlobalPullSecret(okd.cluster, '{"auths":{"mirror.example.com":{"auth":"bWlycm9yOnB3","email":"ops@example.com"}}}');
    const before = await readGlobalPullSecret(okd.cluster);
    const auth = await userPullAuth(privateImage, { authFile: privateRegistry.authFile as string });
    const key = pullSecretKeyFor(privateImage);
    const added = await addToGlobalPullSecret(client, key, auth);
    assert.equal(added.changed, true);
    assert.deepEqual((await readGlobalPullSecretRecord(client))?.keys, [key]);
    const merged = await readGlobalPullSecret(okd.cluster);
    const auths = JSON.parse(Buffer.from(merged.data['.dockerconfigjson'] ?? '', 'base64').toString()) as { auths: Record<string, unknown> };
    assert.deepEqual(Object.keys(auths.auths), ['mirror.example.com', key]);
    assert.ok(!JSON.stringify(merged.annotations).includes(privateRegistry.password as string), 'no credential in annotations');

    const access = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'default' });
    assert.deepEqual(access.ok && { via: access.via, key: access.key }, { via: 'global pull secret', key });
    // The pod that could not pull now starts (the node agent retries after its back-off with the global secret).
    await podPullSettled(okd.cluster, NS, 'before-global', 'running', 90_000);
    await createPod(okd.cluster, NS, 'with-global', privateImage);
    await podPullSettled(okd.cluster, NS, 'with-global', 'running');

    assert.equal((await addToGlobalPullSecret(client, key, auth)).changed, false, 'adding the same credentials again changes nothing');
    const undone = await undoGlobalPullSecret(client);
    assert.deepEqual(undone, { restored: [key], left: [], exact: true, changed: true });
    const restored = await readGlobalPullSecret(okd.cluster);
    assert.deepEqual({ data: restored.data, annotations: restored.annotations }, { data: before.data, annotations: before.annotations });
    const again = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'default' });
    assert.equal(again.ok, false);
    await createPod(okd.cluster, NS, 'after-undo', privateImage);
    await podPullSettled(okd.cluster, NS, 'after-undo', 'refused');
    assert.deepEqual(await undoGlobalPullSecret(client), { restored: [], left: [], exact: false, changed: false }, 'a second undo has nothing to do');
  });

  it('a namespace pull secret on one ServiceAccount makes the image pullable for that ServiceAccount only', async () => {
    await createPullSecret(okd.cluster, NS, 'my-pull', dockerConfigJson(privateRegistry.host, privateRegistry.username as string, privateRegistry.password as string));
    await createServiceAccount(okd.cluster, NS, 'builder', ['my-pull']);
    const builder = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'builder' });
    assert.deepEqual(builder.ok && { via: builder.via, key: builder.key, tried: builder.tried }, { via: `pull secret ${NS}/my-pull`, key: privateRegistry.host, tried: [`pull secret ${NS}/my-pull`] });
    const other = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'default' });
    assert.equal(other.ok, false);
    // The pod template's own pull secrets replace the ServiceAccount's (the admission plugin adds those only to pods without any).
    const own = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'default', imagePullSecrets: ['my-pull'] });
    assert.equal(own.ok, true);

    await createPod(okd.cluster, NS, 'as-builder', privateImage, 'builder');
    const pod = await podPullSettled(okd.cluster, NS, 'as-builder', 'running');
    assert.deepEqual(pod.imagePullSecrets, ['my-pull']);
    await createPod(okd.cluster, NS, 'as-default', privateImage, 'default');
    await podPullSettled(okd.cluster, NS, 'as-default', 'refused');
  });

  it('wrong credentials in a pull secret are refused with no anonymous fallback, as the kubelet does', async () => {
    await createPullSecret(okd.cluster, NS, 'stale', dockerConfigJson(privateRegistry.host, 'okd-user', 'wrong'));
    await createServiceAccount(okd.cluster, NS, 'stale', ['stale', 'missing']);
    const access = await checkPullAccess(client, probe, { image: privateImage, namespace: NS, serviceAccount: 'stale' });
    assert.equal(access.ok, false);
    assert.ok(!access.ok && access.kind === 'unauthorized' && /rejected/.test(access.reason), JSON.stringify(access));
    assert.deepEqual(access.tried, [`pull secret ${NS}/stale`]);
    assert.deepEqual(access.notes, [`pull secret ${NS}/missing does not exist`]);
  });

  it("checks a payload workload's pods with its template's ServiceAccount", async () => {
    const access = await checkWorkloadPullAccess(client, probe, { image: privateImage, kind: 'Deployment', namespace: 'openshift-monitoring', name: 'cluster-monitoring-operator' });
    assert.equal(access.ok, false);
    assert.equal(access.serviceAccount.length > 0, true);
  });

  describe('okd-dev cluster can-pull', () => {
    const cli = (args: string[]) => runCli(['cluster', 'can-pull', ...args, '--insecure', '--kubeconfig', okd.cluster.kubeconfigPath], cliEnv(), 120_000);

    it('says which pull secret lets the ServiceAccount pull', async () => {
      const r = await cli([privateImage, '--namespace', NS, '--service-account', 'builder']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split('\n')[0], `The cluster can pull ${privateImage} for pods in ${NS} running as builder: via pull secret ${NS}/my-pull (key ${privateRegistry.host})`);
    });

    it('exits 1 with the registry answer and what was tried when the cluster cannot pull', async () => {
      const r = await cli([privateImage, '-n', NS]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^The cluster cannot pull .* for pods in pull-team running as default: 401 Unauthorized: registry 127\.0\.0\.1:\d+ requires authentication for repository me\/operator\n {2}anonymous: 401/);
      assert.match(r.stderr, /^error: the cluster cannot pull .* \(tried anonymous\)\. Add your credentials for 127\.0\.0\.1:\d+\/me\/operator to the global pull secret/);
      assert.ok(!r.stderr.includes(privateRegistry.password as string) && !r.stdout.includes(privateRegistry.password as string));
    });

    it('prints the whole result as JSON, and takes a payload component', async () => {
      const json = await cli([privateImage, '-n', NS, '--service-account', 'builder', '-o', 'json']);
      assert.equal(json.code, 0, json.stderr);
      const result = JSON.parse(json.stdout) as { ok: boolean; via: string; attempts: unknown[] };
      assert.deepEqual([result.ok, result.via, result.attempts.length], [true, `pull secret ${NS}/my-pull`, 1]);
      const component = await cli([privateImage, 'cluster-monitoring-operator']);
      assert.equal(component.code, 1, component.stderr);
      assert.match(component.stdout, /^The cluster cannot pull .* for the pods of Deployment openshift-monitoring\/cluster-monitoring-operator \(ServiceAccount [a-z-]+\): 401/);
    });

    it('refuses COMPONENT together with --namespace', async () => {
      const r = await cli([privateImage, 'cluster-monitoring-operator', '-n', NS]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /give either COMPONENT or --namespace\/--service-account, not both/);
    });
  });
});

// What a real cluster does to a client in the middle of the work, on the real control plane: the API server
// restarts while `okd-dev cluster patch` waits for the rollout, and etcd is compacted (old resourceVersions gone:
// 410 Gone for a watch that starts from one) between a patch and its restore. Both finish.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectl, kubectlEnv } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { pushComponentImage } from '../support/cluster/payload';
import { cliEnv, runCli } from '../support/cli';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';

const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';

describe('okd-dev through an API server restart and an etcd compaction', { timeout: 600_000 }, () => {
  let pc: OkdPayloadCluster;
  let env: NodeJS.ProcessEnv;
  let kenv: NodeJS.ProcessEnv;
  let devImage: string;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const deployment = async (): Promise<any> => JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'deploy', NAME, '-o', 'json'])).stdout);
  const image = async () => (await deployment()).spec.template.spec.containers[0].image as string;

  before(async () => {
    pc = await startOkdPayloadCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    kenv = kubectlEnv(pc.cluster);
    devImage = await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'dev', 'my-build');
  });
  after(() => pc?.stop());

  it('a patch whose rollout wait sees the API server restart finishes, rolled out', async () => {
    const patch = runCli(['cluster', 'patch', NAME, devImage, '--insecure', '--timeout', '240'], env, 300_000);
    // The image is set: the CLI is now waiting for the rollout. The API server goes away and comes back.
    await eventually(async () => (await image()) === devImage, 120_000, 'the patch to set the image');
    await pc.cluster.restartApiServer({ downMs: 2_000 });
    const r = await patch;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rolled out|complete/i);
    const d = await deployment();
    assert.equal(d.spec.template.spec.containers[0].image, devImage);
    assert.equal(d.status.updatedReplicas, 1);
    assert.equal(d.status.availableReplicas, 1);
  });

  it('restore after etcd was compacted and the API server restarted (every old resourceVersion is gone) puts the payload back', async () => {
    // The watch cache answers old resourceVersions until the API server restarts on the compacted etcd.
    await pc.cluster.compactEtcd();
    await pc.cluster.restartApiServer();
    const r = await runCli(['cluster', 'restore', NAME, '--insecure', '--timeout', '240'], env, 300_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Restored cluster-image-registry-operator: /m);
    assert.equal(await image(), pc.release.images[NAME]);
    const cv = JSON.parse((await kubectl(kenv, ['get', 'clusterversion', 'version', '-o', 'json'])).stdout);
    assert.deepEqual(cv.spec.overrides ?? [], []);
  });

  it('restore waits through an API server restart while the CVO puts the payload back', async () => {
    const patched = await runCli(['cluster', 'patch', NAME, devImage, '--insecure', '--timeout', '240'], env, 300_000);
    assert.equal(patched.code, 0, patched.stderr);
    const restore = runCli(['cluster', 'restore', NAME, '--insecure', '--timeout', '240'], env, 300_000);
    await eventually(async () => {
      const cv = JSON.parse((await kubectl(kenv, ['get', 'clusterversion', 'version', '-o', 'json'])).stdout);
      return (cv.spec.overrides ?? []).length === 0;
    }, 120_000, 'restore to remove the override');
    await pc.cluster.restartApiServer({ downMs: 2_000 });
    const r = await restore;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await image(), pc.release.images[NAME]);
  });
});

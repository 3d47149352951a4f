// `okd-dev release info` with no PULLSPEC shows the release the kubeconfig's cluster runs, as `oc adm release info`
// does: the test cluster (real kube-apiserver, the test CVO) runs a payload in the loopback registry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { cliEnv, runCli } from '../support/cli';

describe('okd-dev release info with no PULLSPEC: the connected cluster\'s release', { timeout: 400_000 }, () => {
  let pc: OkdPayloadCluster;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    pc = await startOkdPayloadCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
  });

  after(() => pc?.stop());

  it('shows the release in the ClusterVersion\'s status.desired.image', async () => {
    const r = await runCli(['release', 'info', '--insecure'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Name:\\s+${pc.release.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^Digest:\\s+${pc.release.payload.digest}$`, 'm'));
    assert.match(r.stdout, /^Images:$/m);
  });

  it('takes --context like the cluster commands, and the modes work on it (--verify, --image-for)', async () => {
    const verify = await runCli(['release', 'info', '--insecure', '--context', 'viewer', '--verify'], env);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, new RegExp(`^${pc.release.payload.digest} \\S+ ${pc.release.version.replace(/\./g, '\\.')}\\n$`));
    const [name, image] = Object.entries(pc.release.images)[0] as [string, string];
    const one = await runCli(['release', 'info', '--insecure', '--image-for', name], env);
    assert.equal(one.stdout, `${image}\n`);
    const unknown = await runCli(['release', 'info', '--insecure', '--context', 'nope'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: release info without a PULLSPEC shows the connected cluster's release, which could not be read: context "nope" is not in/);
  });
});

// okd-dev release upgrades with no --from: "can I upgrade from what my cluster runs", answered from the connected
// cluster's ClusterVersion (status.desired.version, spec.channel, spec.upstream) and the graph its upstream serves.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { cliEnv, runCli } from '../support/cli';
import { type FakeReleaseController, startReleaseController } from '../support/sandbox/releaseController';

const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';

describe('okd-dev release upgrades from the connected cluster', { timeout: 600_000 }, () => {
  let pc: OkdPayloadCluster;
  let controller: FakeReleaseController;

  before(async () => {
    controller = await startReleaseController(
      new Map([
        [
          '4-scos-stable',
          [
            { name: '4.19.0-okd-scos.1', phase: 'Accepted' as const, pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.1' },
            { name: '4.19.0-okd-scos.0', phase: 'Accepted' as const, pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.0' },
          ],
        ],
        ['4-scos-next', [{ name: '4.20.0-okd-scos.ec.1', phase: 'Rejected' as const, pullSpec: 'quay.io/okd/scos-release:4.20.0-okd-scos.ec.1' }]],
      ]),
    );
    pc = await startOkdPayloadCluster({ version: '4.19.0-okd-scos.0' });
  });
  after(async () => {
    await pc?.stop();
    await controller?.stop();
  });

  it('uses the version the cluster runs, its channel and its upstream graph', async () => {
    const patched = await apiRequest(pc.cluster, 'PATCH', CV_PATH, { contentType: 'application/merge-patch+json', body: { spec: { channel: 'prerelease', upstream: `${controller.url}/graph` } } });
    assert.equal(patched.code, 200, patched.text);
    // The default controller points nowhere: the answer must come from the cluster's spec.upstream.
    const env = cliEnv({ OKD_DEV_RELEASE_CONTROLLER: 'http://127.0.0.1:9' });
    const r = await runCli(['release', 'upgrades', '--kubeconfig', pc.cluster.kubeconfigPath, '--to', '4.20.0-okd-scos.ec.1'], env, 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^From:\s+4\.19\.0-okd-scos\.0 \(the connected cluster\)$/m);
    assert.match(r.stdout, new RegExp(`^Graph:\\s+${controller.url}/graph\\?channel=prerelease$`, 'm'));
    assert.match(r.stdout, /^Yes: 4\.19\.0-okd-scos\.0 -> 4\.19\.0-okd-scos\.1 -> 4\.20\.0-okd-scos\.ec\.1 \(2 upgrades\)$/m);
    assert.ok(controller.requests.includes('GET /graph?channel=prerelease'), controller.requests.join('\n'));

    // --channel wins over the cluster's channel; the stable graph has no passed upgrade into the 4.20 candidate.
    const stable = await runCli(['release', 'upgrades', '--kubeconfig', pc.cluster.kubeconfigPath, '--channel', 'stable', '--to', '4.20.0-okd-scos.ec.1'], env, 120_000);
    assert.equal(stable.code, 0, stable.stderr);
    assert.match(stable.stdout, /^No: channel stable has no path from 4\.19\.0-okd-scos\.0 to 4\.20\.0-okd-scos\.ec\.1\.$/m);
  });

  it('asks for --channel when the cluster has none', async () => {
    const cleared = await apiRequest(pc.cluster, 'PATCH', CV_PATH, { contentType: 'application/merge-patch+json', body: { spec: { channel: null, upstream: null } } });
    assert.equal(cleared.code, 200, cleared.text);
    const r = await runCli(['release', 'upgrades', '--kubeconfig', pc.cluster.kubeconfigPath], cliEnv({ OKD_DEV_RELEASE_CONTROLLER: controller.url }), 120_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the cluster \(running 4\.19\.0-okd-scos\.0\) has no spec\.channel.*--channel/);
  });
});

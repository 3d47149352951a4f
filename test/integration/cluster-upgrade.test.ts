// A custom payload (okd-dev release new) run on the test cluster (a real kube-apiserver, with the test cluster's
// CVO and node agent) with `okd-dev cluster upgrade --to-image`, both as processes, with kubectl as the independent
// judge: the ClusterVersion's history and the operator Deployment. The API server restarts in the middle of the
// upgrade, as it does during a real OKD upgrade, and the wait goes on to the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectl, kubectlEnv } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { pushComponentImage } from '../support/cluster/payload';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { cliEnv, runCli } from '../support/cli';

const NS = 'openshift-image-registry';
const CRO = 'cluster-image-registry-operator';

interface Created {
  pullSpec: string;
  tagPullSpec: string;
  name: string;
}

describe('okd-dev cluster upgrade to a custom payload against the test cluster', { timeout: 400_000 }, () => {
  let pc: OkdPayloadCluster;
  let env: NodeJS.ProcessEnv;
  let kenv: NodeJS.ProcessEnv;
  let newImage: string;
  let created: Created;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (args: string[]): Promise<any> => {
    const r = await kubectl(kenv, [...args, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    pc = await startOkdPayloadCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    kenv = kubectlEnv(pc.cluster);
    newImage = await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'dev', 'my-operator-build');
    const made = await runCli(['release', 'new', '--from-release', pc.image, `${CRO}=${newImage}`, '--to-image', `${pc.registry.host}/okd/custom-release`, '--insecure', '-o', 'json'], env);
    assert.equal(made.code, 0, made.stderr);
    created = JSON.parse(made.stdout) as Created;
  });

  after(() => pc?.stop());

  it('refuses an image that is not a release payload, leaving the cluster alone', async () => {
    const r = await runCli(['cluster', 'upgrade', '--to-image', newImage, '--insecure'], env);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^error: .*(payload|release-manifests)/m);
    const cv = await get(['get', 'clusterversion', 'version']);
    assert.equal(cv.spec.desiredUpdate, undefined);
    const usage = await runCli(['cluster', 'upgrade', '--insecure'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing --to-image PULLSPEC/);
  });

  it('upgrades by tag: desiredUpdate by digest, history Completed, and the operator Deployment runs the new image', async () => {
    const upgrade = runCli(['cluster', 'upgrade', '--to-image', created.tagPullSpec, '--insecure', '--timeout', '240'], env, 300_000);
    // Once the update is requested, the API server goes away for a while and comes back, as during an upgrade.
    await eventually(async () => (await get(['get', 'clusterversion', 'version'])).spec.desiredUpdate?.image === created.pullSpec, 120_000, 'spec.desiredUpdate to be set');
    await pc.cluster.restartApiServer({ downMs: 2_000 });
    const r = await upgrade;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Upgrading cluster \\(context admin\\) from 4\\.19\\.0-okd-scos\\.16 to ${created.name.replace(/\./g, '\\.')}$`, 'm'));
    assert.ok(r.stdout.includes(`  to   ${created.pullSpec}\n`), r.stdout);
    assert.ok(r.stdout.includes(`spec.desiredUpdate {"version":"","image":"${created.pullSpec}","force":true}`), r.stdout);
    assert.match(r.stdout, new RegExp(`^Cluster version is ${created.name.replace(/\./g, '\\.')} \\(`, 'm'));

    const cv = await get(['get', 'clusterversion', 'version']);
    assert.deepEqual(cv.spec.desiredUpdate, { image: created.pullSpec, force: true, version: '' });
    // The CVO also fills channels and url from the payload's release-metadata, as the real one does.
    assert.deepEqual({ image: cv.status.desired.image, version: cv.status.desired.version }, { image: created.pullSpec, version: created.name });
    assert.deepEqual(
      cv.status.history.map((h: { state: string; image: string; version: string }) => [h.state, h.image, h.version]),
      [
        ['Completed', created.pullSpec, created.name],
        ['Completed', pc.image, '4.19.0-okd-scos.16'],
      ],
    );

    const deploy = await get(['-n', NS, 'get', 'deploy', CRO]);
    const container = deploy.spec.template.spec.containers[0];
    assert.equal(container.image, newImage);
    assert.equal(container.env.find((e: { name: string }) => e.name === 'OPERATOR_IMAGE')?.value, newImage, 'the payload rewrote OPERATOR_IMAGE too');
    // The real deployment controller and the node agent roll it out: one pod, on the new image, Running.
    const rolledOut = await kubectl(kenv, ['-n', NS, 'rollout', 'status', `deployment/${CRO}`, '--timeout=120s'], 150_000);
    assert.equal(rolledOut.code, 0, rolledOut.stderr);
    const podsOf = async () =>
      (await get(['-n', NS, 'get', 'pods', '-l', `name=${CRO}`])).items.map((p: { spec: { containers: { image: string }[] }; status: { phase: string } }) => [p.spec.containers[0]?.image, p.status.phase]);
    await eventually(async () => JSON.stringify(await podsOf()) === JSON.stringify([[newImage, 'Running']]), 60_000, 'the old pod to go').catch(() => undefined);
    assert.deepEqual(await podsOf(), [[newImage, 'Running']]);
    // The other operators were left on their payload images.
    const samples = await get(['-n', 'openshift-cluster-samples-operator', 'get', 'deploy', 'cluster-samples-operator']);
    assert.equal(samples.spec.template.spec.containers[0].image, pc.release.images['cluster-samples-operator']);
  });

  it('says so when the cluster already runs the payload, and -o json gives the plan', async () => {
    const r = await runCli(['cluster', 'upgrade', '--to-image', created.pullSpec, '--insecure', '-o', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { plan: { alreadyThere: boolean; current: { version: string }; target: { image: string; version: string } }; version: string };
    assert.equal(json.plan.alreadyThere, true);
    assert.deepEqual(json.plan.target, { image: created.pullSpec, version: created.name });
    assert.equal(json.version, created.name);
    const text = await runCli(['cluster', 'upgrade', '--to-image', created.pullSpec, '--insecure'], env);
    assert.match(text.stdout, /^Cluster \(context admin\) already runs /);
  });

  it('stops waiting at --timeout with the update requested, and the cluster goes on to finish it', async () => {
    // Back to the source payload, waiting 1 ms: the CLI gives up, the cluster does not.
    const r = await runCli(['cluster', 'upgrade', '--to-image', pc.image, '--insecure', '--timeout', '0.001'], env);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^error: the cluster did not reach 4\.19\.0-okd-scos\.16 within 0 s.*okd-dev cluster status/m);
    const cv = await get(['get', 'clusterversion', 'version']);
    assert.deepEqual(cv.spec.desiredUpdate, { image: pc.image, force: true, version: '' });
    await eventually(async () => {
      const now = await get(['get', 'clusterversion', 'version']);
      return now.status.history[0].image === pc.image && now.status.history[0].state === 'Completed';
    }, 120_000, 'the cluster to finish the update to the source payload');
    const deploy = await get(['-n', NS, 'get', 'deploy', CRO]);
    assert.equal(deploy.spec.template.spec.containers[0].image, pc.release.images[CRO]);
  });
});

// The payload `okd-dev release build` makes is one a cluster can run: built from the sample operator checkout on
// the test cluster's own release, then applied with the `okd-dev cluster upgrade --to-image` line it prints, both
// through dist/cli.js. kubectl judges the result: the ClusterVersion's history and the operator Deployment rolled
// out on the built image, the other operators left on their payload images.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReleaseBuildResult } from '../../src/core/release/build';
import { kubectl, kubectlEnv } from '../support/cluster/clients';
import { cliEnv, runCli } from '../support/cli';
import { createSampleOperator, SAMPLE_COMPONENT, type SampleOperator } from '../support/sample-operator';
import { type DevWorld, startDevWorld } from '../support/sample-operator/world';

const NS = 'openshift-image-registry';

describe('a payload from release build, applied with cluster upgrade on the test cluster', { timeout: 600_000 }, () => {
  let world: DevWorld;
  let sample: SampleOperator;
  let goCache: string;
  let env: NodeJS.ProcessEnv;
  let kenv: NodeJS.ProcessEnv;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (args: string[]): Promise<any> => {
    const r = await kubectl(kenv, [...args, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    world = await startDevWorld({ cluster: true });
    goCache = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-release-build-upgrade-gocache-'));
    sample = createSampleOperator({ baseImage: world.baseImage, goCache });
    const kubeconfigPath = world.cluster?.kubeconfigPath as string;
    env = cliEnv({ ...sample.goEnv, KUBECONFIG: kubeconfigPath });
    kenv = kubectlEnv({ kubeconfigPath });
  });

  after(async () => {
    sample?.remove();
    if (goCache) fs.rmSync(goCache, { recursive: true, force: true });
    if (kenv?.HOME) fs.rmSync(kenv.HOME, { recursive: true, force: true });
    await world?.stop();
  });

  it('builds the checkout into a payload, and the printed cluster upgrade line rolls it out', async () => {
    sample.setVersion('v0.0.3-upgrade-me');
    const build = await runCli(['release', 'build', '--from-release', world.releaseImage, '--to-image', `${world.registry.host}/me/okd-release:to-upgrade`, sample.dir, '--insecure', '-o', 'json'], env, 300_000);
    assert.equal(build.code, 0, build.stderr);
    const result = JSON.parse(build.stdout) as ReleaseBuildResult;
    const built = result.checkouts[0]?.image as string;
    assert.equal(result.checkouts[0]?.component, SAMPLE_COMPONENT);

    // What the build said to run, run as it says (with this registry's --insecure).
    const words = result.upgradeCommand.split(' ');
    assert.deepEqual(words.slice(0, 4), ['okd-dev', 'cluster', 'upgrade', '--to-image']);
    const upgrade = await runCli([...words.slice(1), '--insecure', '--timeout', '240'], env, 300_000);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(upgrade.stdout, new RegExp(`^Cluster version is ${result.release.name.replace(/\./g, '\\.')} \\(`, 'm'));

    const cv = await get(['get', 'clusterversion', 'version']);
    assert.deepEqual({ image: cv.status.desired.image, version: cv.status.desired.version }, { image: result.release.pullSpec, version: result.release.name });
    assert.equal(cv.status.history[0].state, 'Completed');
    const deploy = await get(['-n', NS, 'get', 'deploy', SAMPLE_COMPONENT]);
    assert.equal(deploy.spec.template.spec.containers[0].image, built);
    const rolledOut = await kubectl(kenv, ['-n', NS, 'rollout', 'status', `deployment/${SAMPLE_COMPONENT}`, '--timeout=120s'], 150_000);
    assert.equal(rolledOut.code, 0, rolledOut.stderr);
    const samples = await get(['-n', 'openshift-cluster-samples-operator', 'get', 'deploy', 'cluster-samples-operator']);
    assert.equal(samples.spec.template.spec.containers[0].image, world.images['cluster-samples-operator']);
  });
});

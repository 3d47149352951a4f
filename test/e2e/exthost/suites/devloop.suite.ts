// Build, Push & Patch (okd.devLoop) and Upgrade Cluster (okd.upgradeCluster) in the real extension host, against
// the sandbox: its registry, its demo releases and its test cluster. The dev loop builds a sample operator
// checkout made here (our own Go main; its git remote is cluster-image-registry-operator's source location), with
// the fast path (go build + one appended layer). The upgrade test runs last and puts the cluster back on the
// release it started with, for the suites after this one.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DevLoopResult } from '../../../../src/core/devloop';
import type { UpgradeResult } from '../../../../src/core/cluster/upgrade';
import { RegistryClient } from '../../../../src/core/registry/client';
import type { DevLoopFailure } from '../../../../src/vscode/cluster/commands/devLoop';
import { clusterGroup as childrenOf, clusterRows as rows, eventually } from '../clusterView';
import { sandboxInfo } from '../sandbox';
import { createSampleOperator, pushSampleBase, SAMPLE_COMPONENT, type SampleOperator } from '../../../support/sample-operator';

const DEPLOYMENT = `openshift-image-registry/${SAMPLE_COMPONENT}`;

interface SandboxInfo {
  registry: string;
  releases: string[];
  cluster: { version: string; image: string; patchOperator: string; patchImage: string; payloadImage: string };
}

const sandbox = () => sandboxInfo<SandboxInfo>();

function tooltipOf(item: vscode.TreeItem): string {
  const t = item.tooltip;
  return typeof t === 'string' ? t : (t?.value ?? '');
}

describe('Build, Push & Patch and Upgrade Cluster (sandbox registry and test cluster)', function () {
  this.timeout(120_000);
  let sample: SampleOperator | undefined;
  let registry: RegistryClient | undefined;

  before(async () => {
    const info = sandbox();
    // The sample's Dockerfile.okd starts FROM a base in the sandbox registry (the append builder needs none, but
    // the checkout is the same one the container-build tests use).
    registry = new RegistryClient({ insecure: [info.registry] });
    const baseImage = await pushSampleBase(registry, info.registry);
    sample = createSampleOperator({ baseImage });
    await vscode.commands.executeCommand('okd.cluster.focus');
    await eventually('the Cluster view connected', async () => (await rows())[0]?.label === 'admin');
  });

  after(async () => {
    sample?.remove();
    await registry?.close();
  });

  it('okd.devLoop {path, to, builder: append, env} builds, pushes, patches and rolls out; the view shows the result', async () => {
    const info = sandbox();
    const checkout = sample as SampleOperator;
    sample?.setVersion('v0.0.2-from-the-editor');
    const result = (await vscode.commands.executeCommand('okd.devLoop', {
      path: checkout.dir,
      to: `${info.registry}/okd/dev`,
      builder: 'append',
      // The extension host's HOME is code-server's own: the build gets the sample's GOCACHE/GOPATH and offline flags.
      env: checkout.goEnv,
    })) as DevLoopResult | undefined;
    assert.ok(result, 'okd.devLoop returned nothing (it failed: see the OKD log)');
    assert.equal(result.component, SAMPLE_COMPONENT);
    assert.equal(result.builder, 'append');
    assert.equal(result.release.version, info.cluster.version);
    assert.match(result.image, new RegExp(`^${info.registry.replace(/\./g, '\\.')}/okd/dev@sha256:[0-9a-f]{64}$`));
    assert.equal(result.dirty, true, 'the one-line change is not committed');
    assert.equal(`${result.patch?.namespace}/${result.patch?.name}`, DEPLOYMENT);
    assert.equal(result.patch?.image, result.image);
    assert.deepEqual(
      result.stages.map((s) => `${s.name}:${s.state}`),
      ['prepare:done', 'build:done', 'push:done', 'patch:done', 'rollout:done'],
    );
    assert.ok(result.layer && result.uploadedBytes !== undefined && result.uploadedBytes < result.layer.size + 16_384, `uploaded ${result.uploadedBytes} bytes for a ${result.layer?.size}-byte layer`);

    // The operator runs the new image: the Patched Operators row and its container.
    const patched = await eventually('the patched operator row with the new digest', async () =>
      (await childrenOf('Patched Operators')).find((r) => r.label === SAMPLE_COMPONENT && r.description.startsWith('complete') && tooltipOf(r.item).includes(result.image)),
    );
    const containers = await rows(patched.node);
    assert.ok(tooltipOf(containers[0]?.item as vscode.TreeItem).startsWith(`\`${result.image}\``));

    // "This workspace builds ..." with the result: running image digest, commit, when built.
    const workspace = await eventually('the workspace row', async () => (await rows()).find((r) => r.label === `This workspace builds ${SAMPLE_COMPONENT}`));
    assert.equal(workspace.item.contextValue, 'okd.cluster.workspace');
    const details = Object.fromEntries((await rows(workspace.node)).map((r) => [r.label, r]));
    assert.equal(details[`Deployment ${DEPLOYMENT}`]?.description, `container ${SAMPLE_COMPONENT}`);
    const digest = result.image.slice(result.image.indexOf('@') + 1);
    assert.equal(details['Image']?.description, digest.slice(0, 19));
    assert.ok(tooltipOf(details['Image']?.item as vscode.TreeItem).includes(result.image));
    assert.equal(details['Commit']?.description, `${result.commit.slice(0, 12)} with local changes`);
    assert.match(details['Built']?.description ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ · append$/);

    // The Dockerfiles of that checkout carry the CodeLens that runs the loop again.
    const dockerfile = await vscode.workspace.openTextDocument(vscode.Uri.file(`${checkout.dir}/Dockerfile.okd`));
    const lenses = await eventually('the Build, Push & Patch CodeLens', async () => {
      const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', dockerfile.uri);
      return found?.find((l) => l.command?.command === 'okd.devLoop');
    });
    assert.equal(lenses.command?.title, `$(run-all) Build, Push & Patch ${SAMPLE_COMPONENT}`);
    assert.deepEqual(lenses.command?.arguments, [{ path: checkout.dir }]);
  });

  it('okd.devLoop names the failing stage when the build breaks (okd.devLoop.buildEnv reaches the build), and leaves the cluster alone', async () => {
    const info = sandbox();
    const checkout = sample as SampleOperator;
    const { GOFLAGS: _flags, ...env } = checkout.goEnv;
    const settings = vscode.workspace.getConfiguration('okd.devLoop');
    await settings.update('buildEnv', { GOFLAGS: '-mod=mod -ldflags=-not-a-flag' }, vscode.ConfigurationTarget.Global);
    let failure: DevLoopFailure | undefined;
    try {
      failure = (await vscode.commands.executeCommand('okd.devLoop', { path: checkout.dir, to: `${info.registry}/okd/dev`, builder: 'append', env })) as DevLoopFailure | undefined;
    } finally {
      await settings.update('buildEnv', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.ok(failure && 'failedStage' in failure, `expected a failure, got ${JSON.stringify(failure)}`);
    assert.equal(failure.failedStage, 'build');
    assert.match(failure.error, /^Build, Push & Patch failed at build: /);
    assert.equal(failure.restore, undefined, 'the cluster was not touched');
    assert.deepEqual(
      failure.stages.filter((s) => s.state !== 'pending').map((s) => `${s.name}:${s.state}`),
      ['prepare:done', 'build:failed'],
    );
    // The cluster was not touched: the operator still runs the previous loop's image.
    const patched = (await childrenOf('Patched Operators')).find((r) => r.label === SAMPLE_COMPONENT);
    assert.ok(patched, 'the patched operator row is gone');
  });

  it('okd.restoreOperator puts the payload image back after the loop', async () => {
    const info = sandbox();
    const restored = (await vscode.commands.executeCommand('okd.restoreOperator', { operator: SAMPLE_COMPONENT })) as { overrideRemoved: boolean; images: Record<string, string> } | undefined;
    assert.ok(restored, 'okd.restoreOperator returned nothing');
    assert.equal(restored.overrideRemoved, true);
    assert.equal(restored.images[SAMPLE_COMPONENT], info.cluster.payloadImage);
    await eventually('no patched operator rows', async () => (await childrenOf('Patched Operators')).length === 0);
  });

  describe('okd.upgradeCluster', () => {
    after(async function () {
      // Back to the release the sandbox started with, for the suites after this one.
      this.timeout(120_000);
      const info = sandbox();
      const back = (await vscode.commands.executeCommand('okd.upgradeCluster', { release: info.cluster.image, confirm: false, timeoutSeconds: 90 })) as UpgradeResult | undefined;
      assert.ok(back?.completed, 'upgrading back to the sandbox release failed');
      await eventually('the release row back at the sandbox version', async () => (await rows())[1]?.label === info.cluster.version);
    });

    it('{release, confirm: false} sets spec.desiredUpdate and follows until the cluster reports the new version', async () => {
      const info = sandbox();
      const target = info.releases[1] as string;
      const result = (await vscode.commands.executeCommand('okd.upgradeCluster', { release: target, confirm: false, timeoutSeconds: 90 })) as UpgradeResult | undefined;
      assert.ok(result, 'okd.upgradeCluster returned nothing (it failed: see the OKD log)');
      assert.equal(result.plan.current.version, info.cluster.version);
      assert.equal(result.plan.target.version, '4.19.0-okd-scos.1');
      assert.match(result.plan.target.image, /@sha256:[0-9a-f]{64}$/);
      assert.deepEqual(result.plan.desiredUpdate, { version: '', image: result.plan.target.image, force: true });
      assert.equal(result.completed?.state, 'Completed');
      assert.equal(result.version, '4.19.0-okd-scos.1');
      const release = await eventually('the release row at the new version', async () => (await rows()).find((r) => r.item.contextValue === 'okd.cluster.release' && r.label === '4.19.0-okd-scos.1'));
      assert.deepEqual(release.item.command?.arguments, [{ image: result.plan.target.image }]);
      // The view's watch catches up with the history the command saw Completed.
      const history = await eventually('the new version Completed in the history', async () => {
        const entries = await childrenOf('History');
        return entries[0]?.label === '4.19.0-okd-scos.1' && /^Completed/.test(entries[0].description) ? entries : undefined;
      });
      assert.equal(history[1]?.label, info.cluster.version);
      // The checkout is matched again against the new release (git read again, the payload's components).
      await eventually('the workspace row matched against the new release', async () => {
        const row = (await rows()).find((r) => r.label === `This workspace builds ${SAMPLE_COMPONENT}`);
        return row && tooltipOf(row.item).includes('Matched against release 4.19.0-okd-scos.1.');
      });
    });

    it('says the cluster already runs a release and changes nothing', async () => {
      const info = sandbox();
      const result = (await vscode.commands.executeCommand('okd.upgradeCluster', { release: info.releases[1], confirm: false })) as UpgradeResult | undefined;
      assert.ok(result);
      assert.equal(result.plan.alreadyThere, true);
      assert.equal(result.completed, undefined);
    });
  });
});

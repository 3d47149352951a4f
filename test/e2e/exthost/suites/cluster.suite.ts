// The Cluster view and cluster commands in the real extension host, against the sandbox's test cluster
// (OKD_E2E_SANDBOX: kubeconfig, the release the cluster runs, an image of the next demo release to patch in; the
// okd.kubeconfig setting points at it). The tree is read through the data provider activate() returns; commands
// run through vscode.commands with arguments, as tests and other commands drive them without pickers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { clusterApi as api, clusterGroup as group, type ClusterRow as Row, clusterRows as rows, eventually } from '../clusterView';
import { EXTENSION_ID, sandboxInfo } from '../sandbox';


interface SandboxInfo {
  kubeconfig: string;
  cluster: { version: string; image: string; patchOperator: string; patchImage: string; payloadImage: string };
}

const sandbox = () => sandboxInfo<SandboxInfo>();

async function setKubeconfig(file: string): Promise<void> {
  await vscode.workspace.getConfiguration('okd').update('kubeconfig', file, vscode.ConfigurationTarget.Global);
}

const OVERRIDE_LABEL = 'Deployment.apps/openshift-image-registry/cluster-image-registry-operator';

describe('Cluster view and commands (sandbox test cluster)', function () {
  this.timeout(60_000);

  it('loads no cluster code at activation, and dist/extension.js does not contain client-node', async () => {
    const { cluster } = await api();
    assert.equal(cluster.loaded, false, 'dist/cluster.js was loaded before the Cluster view or a cluster command was used');
    assert.ok(!Object.keys(require.cache).some((k) => k.endsWith(`${path.sep}dist${path.sep}cluster.js`)), 'dist/cluster.js is in the require cache');
    const ext = vscode.extensions.getExtension(EXTENSION_ID) as vscode.Extension<unknown>;
    const bundle = fs.readFileSync(path.join(ext.extensionPath, 'dist', 'extension.js'), 'utf8');
    assert.ok(!bundle.includes('loadFromFile') && !bundle.includes('makeApiClient'), 'dist/extension.js contains @kubernetes/client-node');
    assert.ok(bundle.length < 1_000_000, `dist/extension.js is ${bundle.length} bytes`);
  });

  it('shows the context and server, the release, history and the cluster operators', async () => {
    const info = sandbox();
    await vscode.commands.executeCommand('okd.cluster.focus');
    const top = await rows();
    const { cluster } = await api();
    assert.equal(cluster.loaded, true);
    assert.equal(cluster.state(), 'connected', `rows: ${top.map((r) => r.label).join(', ')}`);
    assert.deepEqual(
      top.map((r) => r.label),
      ['admin', info.cluster.version, 'History', 'Overrides', 'Patched Operators', 'Cluster Operators'],
    );
    const [context, release] = top as [Row, Row];
    assert.match(context.description, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(release.item.contextValue, 'okd.cluster.release');
    assert.equal(release.item.command?.command, 'okd.cluster.openRelease');
    assert.deepEqual(release.item.command?.arguments, [{ image: info.cluster.image }]);
    const history = await group('History');
    assert.equal(history[0]?.label, info.cluster.version);
    assert.match(history[0]?.description ?? '', /^Completed/);
    const operators = await group('Cluster Operators');
    const registry = operators.find((r) => r.label === 'image-registry');
    assert.ok(registry, `no image-registry ClusterOperator among ${operators.length}`);
    assert.match(registry.description, /Available/);
    assert.equal((registry.item.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal(((registry.item.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id, 'testing.iconPassed');
    assert.ok(operators.length > 10, `${operators.length} cluster operators`);
    // Ids depend on what a row is, not on its text: a refresh keeps selection and expansion.
    const ids = (await rows()).map((r) => r.item.id);
    assert.deepEqual(ids, top.map((r) => r.item.id));
  });

  it('okd.patchOperator {operator, image, confirm: false} patches, rolls out, and the view and status bar show the override', async () => {
    const info = sandbox();
    const outcome = (await vscode.commands.executeCommand('okd.patchOperator', { operator: info.cluster.patchOperator, image: info.cluster.patchImage, confirm: false })) as
      | { rollout: string; image: string; namespace: string; name: string; overrideAdded: boolean; reason?: string }
      | undefined;
    assert.ok(outcome, 'okd.patchOperator returned nothing (it failed: see the OKD log)');
    assert.equal(outcome.rollout, 'complete', outcome.reason);
    assert.equal(outcome.image, info.cluster.patchImage);
    assert.equal(outcome.overrideAdded, true);
    assert.equal(`${outcome.namespace}/${outcome.name}`, 'openshift-image-registry/cluster-image-registry-operator');

    const override = await eventually('the override row', async () => (await group('Overrides')).find((r) => r.label === OVERRIDE_LABEL));
    assert.equal(override.item.contextValue, 'okd.cluster.override');
    assert.match(override.description, /unmanaged · okd-dev/);
    const patched = await eventually('the patched operator row', async () => (await group('Patched Operators')).find((r) => r.label === info.cluster.patchOperator && /^complete/.test(r.description)));
    assert.equal(patched.item.contextValue, 'okd.cluster.patched');
    const containers = await rows(patched.node);
    assert.equal((containers[0]?.item.tooltip as vscode.MarkdownString).value.includes(info.cluster.patchImage), true);

    const { cluster } = await api();
    const bar = await eventually('the status bar item', async () => (cluster.statusBar().visible ? cluster.statusBar() : undefined));
    assert.equal(bar.text, '$(warning) OKD: 1 override');
    assert.equal(bar.background, 'statusBarItem.warningBackground');
  });

  it('okd.showOperatorLogs {operator, follow: false} reads the patched pod log into its channel', async () => {
    const info = sandbox();
    const result = (await vscode.commands.executeCommand('okd.showOperatorLogs', { operator: 'openshift-image-registry/cluster-image-registry-operator', follow: false })) as
      | { pod: string; container: string; channel: string; lines: number; last?: string }
      | undefined;
    assert.ok(result, 'okd.showOperatorLogs returned nothing');
    assert.equal(result.channel, 'OKD: openshift-image-registry/cluster-image-registry-operator logs');
    assert.equal(result.container, 'cluster-image-registry-operator');
    assert.ok(result.lines >= 1);
    assert.ok(result.last?.includes(info.cluster.patchImage), `last line: ${result.last}`);
  });

  it('okd.restoreOperator removes the override and the payload image is back', async () => {
    const info = sandbox();
    const restored = (await vscode.commands.executeCommand('okd.restoreOperator', { operator: info.cluster.patchOperator })) as
      | { overrideRemoved: boolean; verified: boolean; by: string; images: Record<string, string> }
      | undefined;
    assert.ok(restored, 'okd.restoreOperator returned nothing (it failed: see the OKD log)');
    assert.equal(restored.overrideRemoved, true);
    assert.equal(restored.verified, true);
    assert.equal(restored.by, 'cvo');
    assert.equal(restored.images['cluster-image-registry-operator'], info.cluster.payloadImage);
    await eventually('no override rows', async () => (await group('Overrides')).length === 0);
    await eventually('no patched operator rows', async () => (await group('Patched Operators')).length === 0);
    const { cluster } = await api();
    await eventually('the status bar item to hide', async () => !cluster.statusBar().visible);
  });

  it('okd.cluster.switchContext {context} reconnects as that context', async () => {
    try {
      assert.equal(await vscode.commands.executeCommand('okd.cluster.switchContext', { context: 'viewer' }), 'viewer');
      await eventually('the viewer context row', async () => (await rows())[0]?.label === 'viewer');
    } finally {
      await vscode.commands.executeCommand('okd.cluster.switchContext', { context: '' });
    }
    await eventually('the admin context row', async () => (await rows())[0]?.label === 'admin');
  });

  describe('an unreachable cluster', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-kubeconfig-'));
    const sockets = new Set<net.Socket>();
    let silent: net.Server | undefined;

    function kubeconfig(file: string, port: number): string {
      const full = path.join(dir, file);
      fs.writeFileSync(
        full,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{name: gone, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
          'users: [{name: me, user: {token: sha256~not-a-real-token}}]',
          'contexts: [{name: gone, context: {cluster: gone, user: me}}]',
          'current-context: gone',
          '',
        ].join('\n'),
      );
      return full;
    }

    async function freePort(): Promise<number> {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }

    async function errorRow(ms: number): Promise<{ row: Row }> {
      const row = await eventually(
        'one error row',
        async () => {
          const top = await rows();
          return top.length === 1 && top[0]?.item.contextValue === 'okd.cluster.error' ? top[0] : undefined;
        },
        ms,
      );
      return { row };
    }

    after(async () => {
      await setKubeconfig(sandbox().kubeconfig);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
      await eventually('the sandbox cluster again', async () => (await rows())[0]?.label === 'admin');
    });

    it('a closed port shows one error row with Retry at once', async () => {
      await setKubeconfig(kubeconfig('closed', await freePort()));
      // Refused at once, not waited out: the row names the refusal, not the 5 s bound.
      const { row } = await errorRow(30_000);
      assert.match(row.label, /did not answer: ECONNREFUSED/);
      assert.equal(row.item.command?.command, 'okd.cluster.refresh');
      assert.equal((await api()).cluster.state(), 'error');
      // Retry gives the same one row, not a hang.
      assert.equal(await vscode.commands.executeCommand('okd.cluster.refresh'), 'error');
      assert.equal((await rows()).length, 1);
    });

    it('a server that never answers shows one error row within the 5 s bound', async () => {
      silent = net.createServer((socket) => sockets.add(socket)); // accepts and says nothing, not even TLS
      await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
      await setKubeconfig(kubeconfig('silent', (silent.address() as net.AddressInfo).port));
      // The bound fired (the OS would wait minutes for a silent peer): the row names it.
      const { row } = await errorRow(30_000);
      assert.match(row.label, /did not answer within 5 s/);
    });

    it('a missing kubeconfig file shows one error row naming it', async () => {
      const missing = path.join(dir, 'missing');
      await setKubeconfig(missing);
      const { row } = await errorRow(30_000);
      assert.ok(row.label.includes(missing), row.label);
    });
  });
});

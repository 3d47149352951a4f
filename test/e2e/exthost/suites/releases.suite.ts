// The Release Explorer in the real extension host, against the sandbox (OKD_E2E_SANDBOX: a registry with demo
// payloads and a release controller listing them; code-server's okd.* settings point at it). The tree is read
// through the data provider activate() returns; commands run through vscode.commands as menus run them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import * as vscode from 'vscode';
import { CACHE_SCHEMA, defaultCacheDir, ReleaseCache } from '../../../../src/core/release/cache';
import { EXTENSION_ID } from '../sandbox';
import type { ReleaseTreeNode } from '../../../../src/vscode/releases';
import { type ReleaseRow as Row, releasesTree as tree, releaseRows as rows, tooltipOf, walkReleases as walk } from '../releasesView';
import { cachePayload } from '../../../support/payload/cache';


interface SandboxInfo {
  registry: string;
  releaseController: string;
  releases: string[];
  streams: { name: string; tags: { name: string; phase: string; pullSpec: string }[] }[];
}

function sandbox(): SandboxInfo | undefined {
  const text = process.env.OKD_E2E_SANDBOX;
  return text ? (JSON.parse(text) as SandboxInfo) : undefined;
}

function tagOf(pullSpec: string): string {
  return pullSpec.slice(pullSpec.lastIndexOf(':') + 1);
}

async function activeText(): Promise<{ uri: vscode.Uri; text: string; languageId: string }> {
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'no active editor');
  return { uri: editor.document.uri, text: editor.document.getText(), languageId: editor.document.languageId };
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listen(port: number, body: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('Release Explorer', function () {
  this.timeout(60_000);
  const info = sandbox();
  const okd = () => vscode.workspace.getConfiguration('okd');
  let savedControllers: unknown;
  let savedRepositories: unknown;
  let savedPinned: unknown;

  before(function () {
    if (!info) this.skip();
    savedControllers = okd().inspect('releaseControllers')?.globalValue;
    savedRepositories = okd().inspect('releaseRepositories')?.globalValue;
    savedPinned = okd().inspect('pinnedReleases')?.globalValue;
  });

  after(async () => {
    if (!info) return;
    await okd().update('releaseControllers', savedControllers, vscode.ConfigurationTarget.Global);
    await okd().update('releaseRepositories', savedRepositories, vscode.ConfigurationTarget.Global);
    await okd().update('pinnedReleases', savedPinned, vscode.ConfigurationTarget.Global);
  });

  it('lists the release controller, its streams and their tags newest first with the phase', async () => {
    assert.ok(info);
    const host = new URL(info.releaseController).host;
    const controller = await walk(host);
    assert.equal(controller.item.contextValue, 'okd.controller');
    const streams = await rows(controller.node);
    assert.deepEqual(
      streams.map((s) => [s.label, s.item.contextValue]),
      info.streams.map((s) => [s.name, 'okd.stream']),
    );
    for (const stream of info.streams) {
      const tags = await rows((await walk(host, stream.name)).node);
      assert.deepEqual(
        tags.map((t) => [t.label, t.description, t.item.contextValue]),
        stream.tags.map((t) => [t.name, t.phase, 'okd.release']),
      );
    }
  });

  it('lists the release repository tags newest first', async () => {
    assert.ok(info);
    const repo = await walk(`${info.registry}/okd/scos-release`);
    assert.equal(repo.item.contextValue, 'okd.repository');
    const tags = await rows(repo.node);
    assert.deepEqual(
      tags.map((t) => t.label),
      ['4.20.0-okd-scos.ec.1', '4.19.0-okd-scos.1', '4.19.0-okd-scos.0'],
    );
    assert.ok(tags.every((t) => t.item.contextValue === 'okd.release'));
  });

  it('expands a pinned release into operators, deployments, containers, images, manifests and metadata', async () => {
    assert.ok(info);
    const pinned = info.releases[info.releases.length - 2] as string;
    const tag = tagOf(pinned);
    const release = await walk('Pinned', tag);
    assert.equal(release.item.contextValue, 'okd.release.pinned');
    assert.deepEqual(
      (await rows(release.node)).map((r) => r.label),
      ['Operators', 'Images', 'Manifests', 'Metadata'],
    );

    const operators = await rows((await walk('Pinned', tag, 'Operators')).node);
    assert.ok(operators.some((o) => o.label === 'cluster-image-registry-operator'), operators.map((o) => o.label).join(', '));
    const deployment = await walk('Pinned', tag, 'Operators', 'cluster-image-registry-operator', 'openshift-image-registry/cluster-image-registry-operator');
    assert.equal(deployment.description, 'Deployment');
    const containers = await rows(deployment.node);
    assert.ok(containers.length > 0);
    assert.equal(containers[0]?.description, 'cluster-image-registry-operator', 'the container runs the payload component');
    assert.match(tooltipOf(containers[0]!.item), /sha256:/);

    const image = await walk('Pinned', tag, 'Images', 'cluster-image-registry-operator');
    assert.equal(image.item.contextValue, 'okd.image');
    assert.match(image.description, /^[0-9a-f]{7}$/, 'description is the short commit');
    assert.match(tooltipOf(image.item), /Digest: `sha256:[0-9a-f]{64}`/);
    assert.match(tooltipOf(image.item), /Commit: \[[0-9a-f]{40}\]\(https:\/\/github\.com\/openshift\/cluster-image-registry-operator\/commit\//);

    const manifests = await rows((await walk('Pinned', tag, 'Manifests')).node);
    assert.ok(manifests.some((m) => /^0000_50_cluster-image-registry-operator_.*\.yaml$/.test(m.label)));
    assert.ok(manifests.every((m) => m.item.contextValue === 'okd.manifest' && m.item.command?.command === 'okd.openManifest'));

    const metadata = await rows((await walk('Pinned', tag, 'Metadata')).node);
    assert.equal(metadata.find((m) => m.label === 'Version')?.description, tag);
    assert.match(metadata.find((m) => m.label === 'Digest')?.description ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.match(metadata.find((m) => m.label === 'Upgrades from')?.description ?? '', /4\.19\.0-okd-scos\.0/);

    // Once read, the release's own row tells its digest and creation time (the tooltip is resolved on hover).
    const reread = await walk('Pinned', tag);
    const resolved = await (await tree()).resolveTreeItem(reread.item, reread.node);
    assert.match(tooltipOf(resolved), /Digest: `sha256:/);
    assert.match(tooltipOf(resolved), /Created: /);
  });

  it('gives every node a unique id that survives re-reading, and a parent chain to its root', async () => {
    assert.ok(info);
    const provider = await tree();
    const ids: string[] = [];
    const collect = async (node: ReleaseTreeNode | undefined, depth: number): Promise<void> => {
      for (const child of await provider.getChildren(node)) {
        ids.push(provider.getTreeItem(child).id ?? '');
        assert.equal(provider.getParent(child)?.id, node?.id, `parent of ${child.id}`);
        if (depth < 6 && child.kind !== 'release') await collect(child, depth + 1);
        else if (child.kind === 'release' && child.pinned) await collect(child, depth + 1);
      }
    };
    await collect(undefined, 0);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
    assert.ok(ids.every((id) => id && !/Accepted|Ready|Rejected/.test(id)), 'ids carry no phase');
    const again: string[] = [];
    ids.length = 0;
    await collect(undefined, 0);
    again.push(...ids);
    assert.deepEqual(again, ids);
  });

  it('okd.showReleaseInfo opens oc adm release info --commits as a read-only document', async () => {
    assert.ok(info);
    const release = await walk('Pinned', tagOf(info.releases[info.releases.length - 2] as string));
    await vscode.commands.executeCommand('okd.showReleaseInfo', release.node);
    const doc = await activeText();
    assert.equal(doc.uri.scheme, 'okd-release');
    assert.match(doc.text, /^Name:\s+4\.19\.0-okd-scos\.1$/m);
    assert.match(doc.text, /^\s*NAME\s+REPO\s+COMMIT\s*$/m);
    assert.match(doc.text, /cluster-image-registry-operator\s+https:\/\/github\.com\/openshift\/cluster-image-registry-operator\s+[0-9a-f]{40}/);
  });

  it('okd.openManifest opens a manifest read-only with YAML highlighting', async () => {
    assert.ok(info);
    const manifests = await rows((await walk('Pinned', tagOf(info.releases[info.releases.length - 2] as string), 'Manifests')).node);
    const manifest = manifests.find((m) => m.label.endsWith('.yaml') && m.label.includes('cluster-image-registry-operator'));
    assert.ok(manifest && manifest.node.kind === 'manifest');
    await vscode.commands.executeCommand('okd.openManifest', manifest.node);
    const doc = await activeText();
    assert.equal(doc.uri.scheme, 'okd-manifest');
    assert.equal(doc.languageId, 'yaml');
    // The release keeps no manifest texts (they are read on demand): the document is the manifest the payload
    // lists, byte for byte, by the size and sha256 recorded for it.
    const bytes = Buffer.from(doc.text, 'utf8');
    assert.equal(bytes.length, manifest.node.manifest.size);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.node.manifest.sha256);
    assert.match(doc.text, /^apiVersion: /m);
  });

  it('okd.copyPullspec and okd.copyDigestPullspec copy the tag and the digest forms', async () => {
    assert.ok(info);
    const pinned = info.releases[info.releases.length - 2] as string;
    const release = await walk('Pinned', tagOf(pinned));
    assert.equal(await vscode.commands.executeCommand('okd.copyPullspec', release.node), pinned);
    const digestForm = await vscode.commands.executeCommand<string>('okd.copyDigestPullspec', release.node);
    assert.match(digestForm, new RegExp(`^${info.registry.replace(/[.]/g, '\\.')}/okd/scos-release@sha256:[0-9a-f]{64}$`));
    const clipboard = await vscode.env.clipboard.readText();
    // The web workbench reads the browser's clipboard; headless Chromium may refuse it (then readText is '').
    assert.equal(clipboard, digestForm);

    const image = await walk('Pinned', tagOf(pinned), 'Images', 'cluster-image-registry-operator');
    const imageDigest = await vscode.commands.executeCommand<string>('okd.copyDigestPullspec', image.node);
    assert.match(imageDigest, /\/okd\/scos-content@sha256:[0-9a-f]{64}$/);
  });

  it('okd.compareReleases opens the diff of two releases, older first', async () => {
    assert.ok(info);
    const [oldest, middle] = info.releases as [string, string];
    const release = await walk('Pinned', tagOf(middle));
    await vscode.commands.executeCommand('okd.compareReleases', release.node, oldest);
    const doc = await activeText();
    assert.equal(doc.uri.scheme, 'okd-release');
    assert.match(doc.text, /^Name:\s+4\.19\.0-okd-scos\.0\s+4\.19\.0-okd-scos\.1$/m);
    assert.match(doc.text, /^Upgrade From:\s+Yes$/m);
    assert.match(doc.text, /Images Changed:\n(.*\n)*\s+cluster-image-registry-operator\s+https:\/\/github\.com\/openshift\/cluster-image-registry-operator\/compare\//);
  });

  it('okd.compareManifest opens VS Code diff editor between two releases', async () => {
    assert.ok(info);
    const [oldest, middle] = info.releases as [string, string];
    const manifests = await rows((await walk('Pinned', tagOf(middle), 'Manifests')).node);
    const manifest = manifests.find((m) => m.label.includes('cluster-image-registry-operator') && m.label.endsWith('.yaml'));
    assert.ok(manifest);
    await vscode.commands.executeCommand('okd.compareManifest', manifest.node, oldest);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputTextDiff, `active tab is ${tab?.label}`);
    assert.equal(tab.input.original.scheme, 'okd-manifest');
    assert.equal(new URLSearchParams(tab.input.original.query).get('release'), oldest);
    assert.equal(new URLSearchParams(tab.input.modified.query).get('release'), middle);
  });

  it('okd.addRelease with a pullspec pins it, and okd.unpinRelease removes it', async () => {
    assert.ok(info);
    const added = info.releases[info.releases.length - 1] as string;
    assert.equal(await vscode.commands.executeCommand('okd.addRelease', added), added);
    assert.ok((okd().get<string[]>('pinnedReleases') ?? []).includes(added));
    const row = await walk('Pinned', tagOf(added));
    assert.equal(row.item.contextValue, 'okd.release.pinned');
    assert.ok((await rows(row.node)).some((r) => r.label === 'Operators'));

    await vscode.commands.executeCommand('okd.unpinRelease', row.node);
    assert.ok(!(okd().get<string[]>('pinnedReleases') ?? []).includes(added));
    assert.ok(!(await rows((await walk('Pinned')).node)).some((r) => r.label === tagOf(added)));
  });

  it('okd.revealInExplorer finds a component of a release the tree lists', async () => {
    assert.ok(info);
    const oldest = info.releases[0] as string;
    const id = await vscode.commands.executeCommand<string>('okd.revealInExplorer', { release: oldest, component: 'cluster-monitoring-operator' });
    assert.match(id, /\/images\/cluster-monitoring-operator$/);
  });

  it('shows a pinned tag read while its registry is down as its last read, marked offline, with a Retry row', async () => {
    const port = await closedPort();
    const tag = '4.19.0-okd-scos.offline';
    const pullSpec = `127.0.0.1:${port}/okd/scos-release:${tag}`;
    // What an earlier read left in the extension's cache: the payload, and which payload the tag named.
    const cache = new ReleaseCache(okd().get<string>('cacheDir') || defaultCacheDir());
    const digest = `sha256:${createHash('sha256').update(`offline ${port}`).digest('hex')}`;
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const imageReferences = fs.readFileSync(path.resolve(ext.extensionPath, '..', 'shared', 'fixtures', 'payload', 'ocp-4.10-image-references.json'), 'utf8');
    await cachePayload(cache, {
      schema: CACHE_SCHEMA,
      pullSpec,
      digest,
      created: '2025-06-10T10:00:00Z',
      os: 'linux',
      architecture: 'amd64',
      labels: {},
      files: { 'image-references': imageReferences },
    });
    await cache.putTag(pullSpec, 'multi-linux/amd64', digest);
    const pinned = okd().get<string[]>('pinnedReleases') ?? [];
    await okd().update('pinnedReleases', [...pinned, pullSpec], vscode.ConfigurationTarget.Global);

    const release = await walk('Pinned', tag);
    const children = await rows(release.node);
    assert.match(children[0]?.label ?? '', /^Offline: as this tag was on \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.equal(children[0]?.item.contextValue, 'okd.warning');
    assert.match(tooltipOf(children[0]!.item).replace(/\\(.)/g, '$1'), new RegExp(`registry 127\\.0\\.0\\.1:${port} did not answer .*showing ${digest}, which ${pullSpec.replace(/\./g, '\\.')} named when it was last read .*the tag may have moved since`));
    assert.deepEqual(
      children.slice(1).map((r) => [r.label, r.description]),
      [['Operators', '0'], ['Images', '146'], ['Manifests', '0'], ['Metadata', '']],
    );
    assert.match((await walk('Pinned', tag)).description, /· offline$/);
    await okd().update('pinnedReleases', pinned, vscode.ConfigurationTarget.Global);
  });

  it('shows an unreachable source as one error node with a Retry, and the other sources still work', async () => {
    assert.ok(info);
    const port = await closedPort();
    const controllers = okd().get<unknown[]>('releaseControllers') ?? [];
    await okd().update('releaseControllers', [...controllers, { url: `http://127.0.0.1:${port}`, streams: ['4-scos-stable'] }], vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.view.extension.okd');
    const errors = await rows((await walk(`127.0.0.1:${port}`, '4-scos-stable')).node);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.item.contextValue, 'okd.error');
    assert.match(errors[0]?.label ?? '', new RegExp(`release controller 127\\.0\\.0\\.1:${port} did not answer GET /api/v1/releasestream/4-scos-stable/tags: connection refused`));

    // The controller comes up; Retry (debounced) reads the stream again and the error gives way to its tags.
    const server = await listen(port, JSON.stringify({ name: '4-scos-stable', tags: [{ name: '4.19.0-okd-scos.99', phase: 'Accepted', pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.99' }] }));
    try {
      await vscode.commands.executeCommand('okd.retry', errors[0]?.node);
      const deadline = Date.now() + 30_000;
      let after: Row[] = [];
      for (;;) {
        after = await rows((await walk(`127.0.0.1:${port}`, '4-scos-stable')).node);
        if (after[0]?.label === '4.19.0-okd-scos.99' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(
        after.map((r) => [r.label, r.description]),
        [['4.19.0-okd-scos.99', 'Accepted']],
      );
    } finally {
      await new Promise((r) => server.close(r));
    }

    const good = await rows((await walk(new URL(info.releaseController).host, info.streams[0]?.name ?? '')).node);
    assert.ok(good.length > 0 && good.every((r) => r.item.contextValue === 'okd.release'));
  });
});

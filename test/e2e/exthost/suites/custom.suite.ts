// Custom release payloads in the real extension host, against the sandbox (OKD_E2E_SANDBOX): Create Custom Release
// with args (no pickers), the result pinned and in the tree, Compare with Source listing exactly the replaced
// component with its override mark, and Extract Installer writing a patched openshift-install.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { RegistryClient } from '../../../../src/core/registry/client';
import { readRelease } from '../../../../src/core/release/reader';
import { walkReleases as walk } from '../releasesView';
import type { CreatedRelease } from '../../../../src/vscode/custom/createCustomRelease';
import { STAND_IN_INSTALLER_SLOTS } from '../../../support/sandbox/componentImages';

const CRO = 'cluster-image-registry-operator';

interface SandboxInfo {
  registry: string;
  releases: string[];
}

function sandbox(): SandboxInfo | undefined {
  const text = process.env.OKD_E2E_SANDBOX;
  return text ? (JSON.parse(text) as SandboxInfo) : undefined;
}

function slot(binary: Buffer, offset: number): string {
  return binary.subarray(offset, binary.indexOf(0, offset)).toString('utf8');
}

describe('Custom releases', function () {
  this.timeout(60_000);
  const info = sandbox();
  const okd = () => vscode.workspace.getConfiguration('okd');
  let savedPinned: unknown;
  let source: string;
  let oldImage: string;
  let newImage: string;
  let created: CreatedRelease | undefined;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-installer-'));

  before(async function () {
    if (!info) return this.skip();
    savedPinned = okd().inspect('pinnedReleases')?.globalValue;
    source = info.releases[0] as string;
    // The replacement: the same operator as the next release builds it (another commit, another image).
    const client = new RegistryClient({ insecure: [info.registry] });
    try {
      const [from, next] = await Promise.all([readRelease(source, { registry: client }), readRelease(info.releases[1] as string, { registry: client })]);
      oldImage = from.components.find((c) => c.name === CRO)?.pullSpec ?? '';
      newImage = next.components.find((c) => c.name === CRO)?.pullSpec ?? '';
    } finally {
      await client.close();
    }
    assert.ok(oldImage && newImage && oldImage !== newImage, `${CRO}: ${oldImage} vs ${newImage}`);
  });

  after(async () => {
    if (!info) return;
    await okd().update('pinnedReleases', savedPinned, vscode.ConfigurationTarget.Global);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('creates a custom release with one component replaced, pins it and shows it in the tree', async () => {
    assert.ok(info);
    const tag = `e2e-${Date.now()}`;
    const to = `${info.registry}/okd/custom:${tag}`;
    created = await vscode.commands.executeCommand<CreatedRelease | undefined>('okd.createCustomRelease', { release: source, replacements: { [CRO]: newImage }, to });
    assert.ok(created, 'okd.createCustomRelease returned nothing (see the OKD log for its error)');
    assert.equal(created.pullSpec, to);
    assert.match(created.digestPullSpec, new RegExp(`^${info.registry.replace(/\./g, '\\.')}/okd/custom@sha256:[0-9a-f]{64}$`));
    assert.match(created.name, /^4\.19\.0-okd-scos\.0-custom-\d{12}$/);
    assert.deepEqual(created.replaced, [{ name: CRO, from: oldImage, to: newImage }]);

    assert.ok((okd().get<string[]>('pinnedReleases') ?? []).includes(to), 'the new release is pinned');
    const row = await walk('Pinned', tag);
    assert.equal(row.item.contextValue, 'okd.release.pinned');
    const image = await walk('Pinned', tag, 'Images', CRO);
    const tooltip = typeof image.item.tooltip === 'string' ? image.item.tooltip : (image.item.tooltip?.value ?? '');
    assert.ok(tooltip.includes(newImage.slice(newImage.indexOf('@') + 1)), tooltip);
  });

  it('compares it with its source: exactly the replaced component, marked override', async () => {
    assert.ok(created, 'needs the custom release');
    const uri = await vscode.commands.executeCommand<string | undefined>('okd.compareWithSource', created.pullSpec);
    assert.ok(uri, 'okd.compareWithSource opened no document');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), uri);
    const text = editor.document.getText();
    const lines = text.split('\n');
    assert.ok(lines.includes('Replaced images: 1'), text);
    assert.match(text, new RegExp(`^  ${CRO}  \\[override\\]$`, 'm'));
    assert.ok(lines.includes(`${' '.repeat(CRO.length + 4)}from ${oldImage}`), text);
    assert.ok(lines.includes(`${' '.repeat(CRO.length + 4)}to   ${newImage}`), text);
    const changed = lines.indexOf('Images Changed:');
    assert.ok(changed > 0, text);
    const section = lines.slice(changed + 1, lines.indexOf('', changed));
    assert.deepEqual(section.map((l) => l.trim().split(/\s+/)[0]), [CRO]);
    for (const other of ['Images Rebuilt:', 'Images Added:', 'Images Removed:']) assert.ok(!lines.includes(other), `${other} in\n${text}`);
  });

  it('says there is no source for a release not built from another', async () => {
    const uri = await vscode.commands.executeCommand<string | undefined>('okd.compareWithSource', source);
    assert.equal(uri, undefined);
  });

  it('extracts openshift-install patched with the custom release pullspec, version and architecture', async () => {
    assert.ok(created, 'needs the custom release');
    const result = await vscode.commands.executeCommand<{ file: string; size: number } | undefined>('okd.extractInstaller', { release: created.pullSpec, to: out });
    assert.ok(result, 'okd.extractInstaller returned nothing (see the OKD log for its error)');
    assert.equal(result.file, path.join(out, 'openshift-install'));
    const binary = fs.readFileSync(result.file);
    assert.equal(binary.length, 4096, 'the size is unchanged');
    assert.equal(slot(binary, STAND_IN_INSTALLER_SLOTS.image), created.digestPullSpec);
    assert.equal(slot(binary, STAND_IN_INSTALLER_SLOTS.version), created.name);
    assert.equal(slot(binary, STAND_IN_INSTALLER_SLOTS.architecture), 'linux/amd64');
    assert.ok((fs.statSync(result.file).mode & 0o111) !== 0, 'executable');
  });
});

// Pullspec hovers through the real VS Code API: vscode.executeHoverProvider on documents in the workspace.
//
// Self-contained part: a payload built from the real 4.10 image-references is written to a temporary payload cache
// (okd.cacheDir), which the first hover scans; a stub registry on loopback answers one tag so tag resolution runs
// over real HTTP. Sandbox part (needs OKD_E2E_SANDBOX from the lead's sandbox wiring and the Release Explorer's
// `okd.addRelease` command): a release of the sandbox registry is added and its component named in a hover.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { RegistryClient } from '../../../../src/core/registry/client';
import { CACHE_SCHEMA, ReleaseCache } from '../../../../src/core/release/cache';
import { readRelease } from '../../../../src/core/release/reader';
import { cachePayload } from '../../../support/payload/cache';
import { EXTENSION_ID } from '../sandbox';

const RELEASE_NAME = '4.10.0-0.nightly-2021-11-14-184249';
const RELEASE_VERSION = '4.19.0-okd-hover.1';
const STUB_COMPONENT = 'hover-e2e-operator';

interface Sandbox {
  registry: string;
  releaseController?: string;
  releases: string[];
  workspace?: string;
}

/** The text of every hover answered at `position`, one string per hover. */
async function hoverTexts(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers.map((hover) => hover.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n'));
}

/** Hovers until one matches (the first hover starts the cache scan and may answer before it ends). */
async function hoverUntil(uri: vscode.Uri, position: vscode.Position, pattern: RegExp, timeoutMs = 45_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  for (;;) {
    last = await hoverTexts(uri, position);
    const hit = last.find((text) => pattern.test(text));
    if (hit) return hit;
    if (Date.now() > deadline) assert.fail(`no hover matching ${pattern} at ${position.line}:${position.character} within ${timeoutMs} ms; got:\n${last.join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Position of the middle of the first occurrence of `needle` in the document. */
function positionOf(document: vscode.TextDocument, needle: string): vscode.Position {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in ${document.uri.toString()}`);
  return document.positionAt(offset + Math.floor(needle.length / 2));
}

const OURS = /Copy digest pullspec|loaded release|Release payload|okd\.hover\.resolveTags/;

describe('pullspec hovers', function () {
  this.timeout(60_000);
  const okd = () => vscode.workspace.getConfiguration('okd');
  let tmp: string;
  let stub: http.Server;
  let stubHost: string;
  let manifestRequests = 0;
  const previous: Record<string, unknown> = {};
  let componentPullspec: string;
  let stubDigest: string;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-hover-'));

    // A registry that knows one tag: me/operator:dev, an OCI manifest whose digest a payload component carries.
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 2 },
        layers: [],
      }),
    );
    stubDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    stub = http.createServer((req, res) => {
      if (req.url === '/v2/me/operator/manifests/dev') {
        manifestRequests++;
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': stubDigest, 'Content-Length': manifest.length });
        res.end(req.method === 'HEAD' ? undefined : manifest);
      } else if (req.url === '/v2/' || req.url === '/v2') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      }
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    stubHost = `127.0.0.1:${(stub.address() as AddressInfo).port}`;

    // The payload cache: the real 4.10 image-references plus one component that the stub's tag points to.
    const fixture = path.resolve(ext.extensionPath, '..', 'shared', 'fixtures', 'payload', 'ocp-4.10-image-references.json');
    const stream = JSON.parse(fs.readFileSync(fixture, 'utf8')) as { spec: { tags: { name: string; from: { kind: string; name: string }; annotations?: Record<string, string> }[] } };
    componentPullspec = stream.spec.tags.find((t) => t.name === 'cluster-image-registry-operator')?.from.name ?? '';
    assert.ok(componentPullspec.includes('@sha256:'));
    stream.spec.tags.push({ name: STUB_COMPONENT, from: { kind: 'DockerImage', name: `${stubHost}/me/operator@${stubDigest}` }, annotations: {} });
    const payloadDigest = `sha256:${createHash('sha256').update('hover e2e payload').digest('hex')}`;
    await cachePayload(new ReleaseCache(path.join(tmp, 'cache')), {
      schema: CACHE_SCHEMA,
      pullSpec: `quay.io/okd/scos-release:${RELEASE_VERSION}`,
      digest: payloadDigest,
      created: '2021-11-14T18:51:28Z',
      os: 'linux',
      architecture: 'amd64',
      labels: { 'io.openshift.release': RELEASE_NAME },
      files: {
        'image-references': JSON.stringify(stream),
        'release-metadata': JSON.stringify({ kind: 'cincinnati-metadata-v0', version: RELEASE_VERSION, previous: [], next: [], metadata: {} }),
      },
    });

    for (const key of ['cacheDir', 'insecureRegistries', 'hover.enabled', 'hover.resolveTags']) previous[key] = okd().inspect(key)?.globalValue;
    const sandboxHosts = sandbox() ? [sandbox()!.registry.replace(/^https?:\/\//, '')] : [];
    await okd().update('cacheDir', path.join(tmp, 'cache'), vscode.ConfigurationTarget.Global);
    await okd().update('insecureRegistries', [...new Set([...(okd().get<string[]>('insecureRegistries') ?? []), stubHost, ...sandboxHosts])], vscode.ConfigurationTarget.Global);
    assert.equal(okd().get('cacheDir'), path.join(tmp, 'cache'));
  });

  after(async () => {
    for (const [key, value] of Object.entries(previous)) await okd().update(key, value, vscode.ConfigurationTarget.Global);
    await new Promise((resolve) => stub?.close(resolve));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function openYaml(name: string, content: string): Promise<vscode.TextDocument> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? tmp;
    const file = path.join(folder, name);
    fs.writeFileSync(file, content);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    return document;
  }

  it('names the component and the release of a component digest in a YAML file', async () => {
    const document = await openYaml(
      'hover-deployment.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: cluster-image-registry-operator',
        '  namespace: openshift-image-registry',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '      - name: cluster-image-registry-operator',
        `        image: ${componentPullspec}`,
        '',
      ].join('\n'),
    );
    const text = await hoverUntil(document.uri, positionOf(document, componentPullspec), /cluster-image-registry-operator\*\* in/);
    assert.match(text, new RegExp(`\\*\\*cluster-image-registry-operator\\*\\* in ${RELEASE_VERSION.replace(/\./g, '\\.')}`));
    assert.match(text, /Commit \[`[0-9a-f]{12}`\]\(https:\/\/github\.com\/openshift\/cluster-image-registry-operator\/commit\/[0-9a-f]{40}\)/);
    assert.match(text, /Copy digest pullspec/);
    assert.match(text, /Reveal in Release Explorer\]\(command:okd\.revealInExplorer\?/);
  });

  it('answers nothing of ours on ordinary words and YAML keys', async () => {
    const document = await openYaml('hover-words.yaml', 'kind: Deployment\nmetadata:\n  name: cluster-image-registry-operator\n  url: https://github.com/openshift/api\n');
    for (const needle of ['Deployment', 'metadata', 'cluster-image-registry-operator', 'github.com/openshift/api']) {
      const texts = await hoverTexts(document.uri, positionOf(document, needle));
      assert.deepEqual(texts.filter((t) => OURS.test(t)), [], `a hover of ours on "${needle}"`);
    }
  });

  it('says an unknown digest is in no loaded release, also in an untitled document', async () => {
    const unknown = `quay.io/me/operator@sha256:${'d'.repeat(64)}`;
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `FROM ${unknown} AS base\n` });
    const text = await hoverUntil(document.uri, positionOf(document, unknown), /not in any loaded release/);
    assert.ok(text.includes(`sha256:${'d'.repeat(64)}`));
  });

  it('resolves a tag through the registry once, and names the component its digest is', async () => {
    const tagged = `${stubHost}/me/operator:dev`;
    const document = await openYaml('hover-tag.yaml', `image: "${tagged}"\n`);
    const before = manifestRequests;
    const text = await hoverUntil(document.uri, positionOf(document, tagged), new RegExp(`\\*\\*${STUB_COMPONENT}\\*\\* in`));
    assert.ok(text.includes(`Tag \`dev\` points to \`${stubDigest}\``), text);
    await hoverUntil(document.uri, positionOf(document, tagged), new RegExp(STUB_COMPONENT));
    assert.equal(manifestRequests - before, 1, 'the second hover is answered from the tag cache');
  });

  it('does not call the registry when okd.hover.resolveTags is off, and is silent when hovers are disabled', async () => {
    const tagged = `${stubHost}/me/other:dev`;
    const document = await openYaml('hover-settings.yaml', `image: ${tagged}\n`);
    const requests = manifestRequests;
    await okd().update('hover.resolveTags', false, vscode.ConfigurationTarget.Global);
    try {
      await hoverUntil(document.uri, positionOf(document, tagged), /okd\.hover\.resolveTags.*is off/);
      assert.equal(manifestRequests, requests);
      await okd().update('hover.enabled', false, vscode.ConfigurationTarget.Global);
      assert.deepEqual((await hoverTexts(document.uri, positionOf(document, tagged))).filter((t) => OURS.test(t)), []);
    } finally {
      await okd().update('hover.enabled', previous['hover.enabled'], vscode.ConfigurationTarget.Global);
      await okd().update('hover.resolveTags', previous['hover.resolveTags'], vscode.ConfigurationTarget.Global);
    }
  });

  it('copies the digest pullspec its link names (okd.copyDigestPullspec with a string)', async () => {
    const document = await vscode.workspace.openTextDocument({ content: `image: ${componentPullspec}\n` });
    const text = await hoverUntil(document.uri, positionOf(document, componentPullspec), /Copy digest pullspec/);
    const link = /\[Copy digest pullspec\]\(command:([\w.]+)\?([^ )]+)/.exec(text);
    assert.ok(link, text);
    const [command, args] = [link[1] as string, JSON.parse(decodeURIComponent(link[2] as string)) as unknown[]];
    assert.deepEqual(args, [componentPullspec]);
    await vscode.commands.executeCommand(command, ...args);
    const pullspec = componentPullspec;
    assert.equal(await vscode.env.clipboard.readText(), pullspec);
  });

  // Depends on: the lead's sandbox wiring (OKD_E2E_SANDBOX) and the Release Explorer's okd.addRelease(pullSpec).
  it('names a component of a sandbox release added with okd.addRelease', async function () {
    const box = sandbox();
    if (!box?.releases.length) return this.skip();
    if (!(await vscode.commands.getCommands(true)).includes('okd.addRelease')) return this.skip();
    const releasePullspec = box.releases[0] as string;
    const host = box.registry.replace(/^https?:\/\//, '');
    // The suite reads the release itself to know a component digest, then lets the extension load it.
    const release = await readRelease(releasePullspec, { registry: new RegistryClient({ insecure: [host] }) });
    const component = release.components.find((c) => c.digest);
    assert.ok(component, `${releasePullspec} has no component with a digest`);
    await vscode.commands.executeCommand('okd.addRelease', releasePullspec);
    const document = await openYaml('hover-sandbox.yaml', `spec:\n  containers:\n  - image: ${component.pullSpec}\n`);
    const text = await hoverUntil(document.uri, positionOf(document, component.pullSpec), new RegExp(`\\*\\*${component.name}\\*\\* in`), 30_000);
    assert.ok(text.includes(release.version), text);
  });
});

function sandbox(): Sandbox | undefined {
  const raw = process.env.OKD_E2E_SANDBOX;
  return raw ? (JSON.parse(raw) as Sandbox) : undefined;
}

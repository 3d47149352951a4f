// What a person sees when hovering an image pullspec: a YAML file in the workbench, the mouse over a component's
// digest pullspec, and a hover naming the component and its release. The release comes from a payload cache built
// from the real 4.10 image-references (okd.cacheDir), so no registry is needed; screenshot test-results/hover.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CACHE_SCHEMA, ReleaseCache } from '../../src/core/release/cache';
import { cachePayload } from '../support/payload/cache';
import { fixturePath } from '../support/fixtures';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { hoverAt, openFile, openWorkbench, screenshot } from './support/ui';

const RELEASE_VERSION = '4.19.0-okd-scos.16';

let server: CodeServer | undefined;
let browser: Browser | undefined;
let root: string;
let componentPullspec: string;

before(async () => {
  await buildExtension();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-ui-hover-'));
  const workspace = path.join(root, 'workspace');
  const cacheDir = path.join(root, 'cache');
  fs.mkdirSync(path.join(workspace, 'manifests'), { recursive: true });

  const imageReferences = fs.readFileSync(fixturePath('payload', 'ocp-4.10-image-references.json'), 'utf8');
  const stream = JSON.parse(imageReferences) as { spec: { tags: { name: string; from: { name: string } }[] } };
  componentPullspec = stream.spec.tags.find((t) => t.name === 'cluster-image-registry-operator')?.from.name ?? '';
  assert.ok(componentPullspec);
  const digest = `sha256:${'5'.repeat(64)}`;
  await cachePayload(new ReleaseCache(cacheDir), {
    schema: CACHE_SCHEMA,
    pullSpec: `quay.io/okd/scos-release:${RELEASE_VERSION}`,
    digest,
    created: '2025-06-10T10:00:00Z',
    os: 'linux',
    architecture: 'amd64',
    labels: {},
    files: {
      'image-references': imageReferences,
      'release-metadata': JSON.stringify({ kind: 'cincinnati-metadata-v0', version: RELEASE_VERSION, previous: [], next: [], metadata: {} }),
    },
  });
  fs.writeFileSync(
    path.join(workspace, 'manifests', 'deployment.yaml'),
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
  server = await startCodeServer({
    workspace,
    extensionDevelopmentPath: repoRoot,
    // Nothing on the network: the hover answers from the cache alone.
    settings: { 'okd.cacheDir': cacheDir, 'okd.hover.resolveTags': false, 'okd.releaseControllers': [], 'okd.releaseRepositories': [] },
  });
  browser = await launchBrowser();
  await openWorkbench(browser.page, server.workbenchUrl());
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

void test('hovering a component pullspec in YAML names the component and its release', { timeout: 120_000 }, async (t) => {
  assert.ok(browser);
  const { page } = browser;
  const started = Date.now();
  try {
    await openFile(page, 'manifests/deployment.yaml');
    // Line 11 is `        image: <pullspec>`; point into the repository part of the pullspec.
    const column = '        image: '.length + 10;
    let text = '';
    // The first hover starts the payload cache scan; a hover shown before it ends says so, the next one knows.
    for (let attempt = 0; attempt < 5 && !text.includes('cluster-image-registry-operator in'); attempt++) {
      if (attempt > 0) {
        await page.keyboard.press('Escape');
        await page.mouse.move(5, 5);
        await page.waitForTimeout(500);
      }
      text = await hoverAt(page, 11, column);
    }
    assert.match(text, /cluster-image-registry-operator in 4\.19\.0-okd-scos\.16/);
    assert.match(text, /Copy digest pullspec/);
    assert.match(text, /Reveal in Release Explorer/);
    const file = await screenshot(page, 'hover');
    t.diagnostic(`hover: ${text.replace(/\s+/g, ' ').slice(0, 200)}; scenario ${Date.now() - started} ms, screenshot ${file}`);
  } catch (error) {
    t.diagnostic(`failure screenshot: ${await screenshot(page, 'hover-failure')}`);
    throw error;
  }
});

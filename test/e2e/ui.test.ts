// What a person sees: the workbench in Chromium with the extension loaded, driven through the palette.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { expandTreePath, hoverAt, openFile, openViewContainer, openWorkbench, runCommand, screenshot, withScreenshotOnFailure } from './support/ui';

let server: CodeServer | undefined;
let browser: Browser | undefined;
let workspace: string;

before(async () => {
  await buildExtension();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-ui-workspace-'));
  fs.mkdirSync(path.join(workspace, 'manifests'));
  fs.writeFileSync(path.join(workspace, 'manifests', 'sample.ts'), 'export const releaseImage = "quay.io/okd/scos-release:4.19";\n');
  server = await startCodeServer({ workspace, extensionDevelopmentPath: repoRoot });
  browser = await launchBrowser();
  await openWorkbench(browser.page, server.workbenchUrl());
});

after(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

void test('"OKD: Show Log" opens the OKD output channel', { timeout: 120_000 }, async (t) => {
  assert.ok(server && browser);
  const { page } = browser;
  const started = Date.now();
  await withScreenshotOnFailure(t, browser?.page, 'workbench', async () => {
    await runCommand(page, 'OKD: Show Log');
    const output = page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: 'OKD Operator Dev activated' }).waitFor({ state: 'visible', timeout: 45_000 });
  });
  const file = await screenshot(page, 'workbench');
  t.diagnostic(`code-server ready ${server.startupMs} ms, scenario ${Date.now() - started} ms, screenshot ${file}`);
});

// Exercises the tree and hover helpers on built-in features, so they are known to work before the extension's
// own Release Explorer and pullspec hovers use them.
void test('UI helpers: explorer tree, quick open and an editor hover', { timeout: 240_000 }, async (t) => {
  assert.ok(browser);
  const { page } = browser;
  const started = Date.now();
  await withScreenshotOnFailure(t, browser?.page, 'helpers', async () => {
    await openViewContainer(page, 'Explorer');
    const row = await expandTreePath(page, 'manifests');
    assert.equal(await row.getAttribute('aria-expanded'), 'true');
    await openFile(page, 'manifests/sample.ts');
    // TypeScript's own hover on `releaseImage`: proves the position maths and the hover selector.
    const hover = await hoverAt(page, 1, 14);
    assert.match(hover, /releaseImage/);
  });
  await screenshot(page, 'helpers');
  t.diagnostic(`scenario ${Date.now() - started} ms`);
});

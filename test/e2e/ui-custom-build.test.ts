// Create Custom Release from the workspace folders, as a user runs it in code-server against the sandbox: the
// workspace is the sample operator checkout (cluster-image-registry-operator's source location). From a release
// row's context menu: Create Custom Release... → "Build the workspace folders" → accept the suggested target. The
// notification shows the checkout's stages as they go; the result names the new payload, which is pinned in the
// Release Explorer. Screenshot: test-results/custom-build.png.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { type Sandbox, startSandbox } from '../support/sandbox';
import { writeDemoWorkspace } from '../support/sandbox/workspace';
import { SAMPLE_COMPONENT } from '../support/sample-operator';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { centerNotifications, contextAction, expandTreePath, notifications, openViewContainer, openWorkbench, runCommand, screenshot, treeRow, until, withScreenshotOnFailure } from './support/ui';

let sandbox: Sandbox | undefined;
let root: string | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;

before(async () => {
  await buildExtension();
  sandbox = await startSandbox();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-custom-build-'));
  const workspace = path.join(root, 'workspace');
  writeDemoWorkspace(workspace, sandbox, { checkout: true });
  server = await startCodeServer({ workspace, extensionDevelopmentPath: repoRoot, settings: { ...sandbox.settings, 'okd.cacheDir': path.join(root, 'cache') } });
  browser = await launchBrowser();
  await openWorkbench(browser.page, server.workbenchUrl());
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sandbox?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

void test('Create Custom Release → Build the workspace folders: the notification shows the checkout\'s stages, the result names the payload', { timeout: 420_000 }, async (t) => {
  assert.ok(sandbox && browser);
  const { page } = browser;
  const release = sandbox.releases[sandbox.releases.length - 2] as string;
  const releaseTag = release.slice(release.lastIndexOf(':') + 1);

  await withScreenshotOnFailure(t, page, 'custom-build', async () => {
    await openViewContainer(page, 'OKD');
    const releaseRow = await expandTreePath(page, releaseTag);
    await contextAction(page, releaseRow, 'Create Custom Release...');

    // How to replace components: the workspace folders (one checkout here).
    const choice = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Build the workspace folders' }).first();
    await choice.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await choice.innerText(), /1 checkout, each building its component/);
    await choice.click();
    // The suggested target: accepted as it is.
    const input = page.locator('.quick-input-widget input.input');
    await until(page, 'the target input box', async () => /target/i.test(await page.locator('.quick-input-widget').innerText()), 30_000);
    const target = await input.inputValue();
    assert.match(target, /:[^/]+$/, `the suggested target ${target} has a tag`);
    await input.press('Enter');
    // After the quick pick this workbench files the progress and the result in the notification center, with no
    // toast; the center shows them as they change.
    await runCommand(page, 'Notifications: Show Notifications');

    // The notification: the checkout's stages as they go, each one staying with its state once begun (prepare and
    // the push are quick on loopback; the Go build is not).
    const seen = new Set<string>();
    const stage = /\b(prepare|build|push) (running|done)\b/g;
    const shown = new Set<string>();
    let created = '';
    const tag = target.slice(target.lastIndexOf(':') + 1);
    const read = async () => {
      for (const text of [...(await notifications(page)), ...(await centerNotifications(page))]) {
        shown.add(text);
        if (text.includes(`${SAMPLE_COMPONENT}: `)) for (const m of text.matchAll(stage)) seen.add(m[1] as string);
        if (/^Created /.test(text)) created = text;
      }
    };
    // The payload is pinned and revealed in the Release Explorer when it is created; revealing it moves the focus to
    // the tree, which closes the center, so the result is read there after the row shows.
    await until(
      page,
      'the build notification, then the created payload pinned in the Release Explorer',
      async () => {
        await read();
        return created !== '' || (await treeRow(page, tag).isVisible());
      },
      360_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; notifications shown: ${[...shown].join(' | ') || 'none'}`);
    });
    if (!created) {
      await runCommand(page, 'Notifications: Show Notifications');
      await until(page, 'the result in the notification center', async () => {
        await read();
        return created !== '';
      }, 60_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; notifications shown: ${[...shown].join(' | ') || 'none'}`);
      });
    }
    t.diagnostic(`stages seen in the notification: ${[...seen].join(', ')}; result: ${created}`);
    assert.ok(seen.has('build'), `the notification showed ${SAMPLE_COMPONENT}'s build stage (saw: ${[...seen].join(', ') || 'none'}; shown: ${[...shown].join(' | ')})`);
    // The result says what each stage of the checkout took, the push included.
    assert.match(created, new RegExp(`${SAMPLE_COMPONENT}: prepare [\\d.]+ s.*build [\\d.]+ s.*push [\\d.]+ s`), created);
    // The result names the payload and what it replaced; the payload is pinned by its tag in the Release Explorer.
    const name = /^Created (\S+) \(([^)]*) replaced\)/.exec(created);
    assert.ok(name, created);
    assert.equal(name[2], SAMPLE_COMPONENT);
    assert.match(name[1] as string, /custom/);
    await treeRow(page, tag).waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, 'custom-build');
  });
});

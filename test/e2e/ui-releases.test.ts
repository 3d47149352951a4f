// The Release Explorer as a person uses it, in code-server against the sandbox (a registry with demo payloads and
// a release controller): open the OKD view, expand a pinned release to its operators, add another release through
// the command palette; Compare with Another Release opens the diff and the changelog of the sandbox's served source
// repositories. Screenshots: test-results/release-explorer.png, release-changelog.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { contextAction, expandTreePath, notifications, openViewContainer, openWorkbench, runCommand, screenshot, treeRow, until, withScreenshotOnFailure } from './support/ui';
import { startWorld, type World } from './support/world';

let world: World | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;

before(async () => {
  await buildExtension();
  world = await startWorld();
  server = await startCodeServer({ workspace: world.workspace, extensionDevelopmentPath: repoRoot, settings: world.settings, env: world.env });
  browser = await launchBrowser();
  await openWorkbench(browser.page, server.workbenchUrl());
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await world?.stop();
});

const tagOf = (pullSpec: string) => pullSpec.slice(pullSpec.lastIndexOf(':') + 1);

/** Scrolls the Releases tree (a virtual list: rows out of sight are not in the page) until `label` is shown. */
async function scrollToRow(page: Page, label: string, timeoutMs = 20_000): Promise<Locator> {
  const row = treeRow(page, label);
  const list = page.locator('.part.sidebar .monaco-list').first();
  const deadline = Date.now() + timeoutMs;
  while (!(await row.isVisible())) {
    if (Date.now() > deadline) throw new Error(`no row "${label}" after scrolling the Releases tree for ${timeoutMs} ms`);
    await list.hover();
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(100);
  }
  return row;
}

void test('Release Explorer: expand a pinned release to its operators, add a release from the palette', { timeout: 180_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const { releases, streams } = world.info;
  const pinned = tagOf(releases[releases.length - 2] as string);
  const added = releases[releases.length - 1] as string;

  await withScreenshotOnFailure(t, browser?.page, 'release-explorer', async () => {
    await openViewContainer(page, 'OKD');
    // Give the Releases view the whole side bar.
    const cluster = page.locator('.part.sidebar .pane-header', { hasText: 'Cluster' });
    if ((await cluster.getAttribute('aria-expanded')) === 'true') await cluster.click();
    // Sources from the settings: the controller (expanded to its streams), the repository, Pinned.
    await treeRow(page, new URL(world!.info.releaseController).host).waitFor({ state: 'visible', timeout: 45_000 });
    await treeRow(page, streams[0]?.name ?? '').waitFor({ state: 'visible', timeout: 45_000 });
    await treeRow(page, `${world!.info.registry}/okd/scos-release`).waitFor({ state: 'visible', timeout: 45_000 });

    const started = Date.now();
    await expandTreePath(page, 'Pinned', pinned);
    await treeRow(page, 'Operators').waitFor({ state: 'visible', timeout: 30_000 });
    t.diagnostic(`expanded ${pinned} to its operators in ${Date.now() - started} ms (first read of the payload)`);
    const operator = await scrollToRow(page, 'cluster-image-registry-operator');
    // The operator's namespace is its description.
    assert.match(await operator.innerText(), /openshift-image-registry/);
    await operator.click();
    await scrollToRow(page, 'openshift-image-registry/cluster-image-registry-operator');
    await screenshot(page, 'release-explorer-operators');

    // Operators folds away to show the other groups of the release.
    await page.locator('.part.sidebar .monaco-list').first().hover();
    for (let i = 0; i < 40; i++) await page.mouse.wheel(0, -400);
    await expandTreePath(page, 'Operators').then((row) => row.click());
    for (const name of ['Images', 'Manifests', 'Metadata']) await treeRow(page, name).waitFor({ state: 'visible', timeout: 30_000 });
    await treeRow(page, pinned).click();

    // Add Release by Pullspec... from the command palette, then type the pullspec into its input box.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 45_000 });
    await input.fill('>OKD: Add Release by Pullspec');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'OKD: Add Release by Pullspec...' }).first().waitFor({ state: 'visible', timeout: 45_000 });
    await input.press('Enter');
    const pullspecInput = page.locator('.quick-input-widget input.input[placeholder^="quay.io/okd/scos-release"]');
    await pullspecInput.waitFor({ state: 'visible', timeout: 45_000 });
    await pullspecInput.fill('not a pullspec');
    await page.locator('.quick-input-widget', { hasText: 'it contains whitespace' }).waitFor({ state: 'visible', timeout: 30_000 });
    await pullspecInput.fill(added);
    await pullspecInput.press('Enter');

    // The new release shows under Pinned, is read, and is revealed expanded to its operators.
    const addedRow = treeRow(page, tagOf(added));
    await addedRow.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await addedRow.elementHandle(), { timeout: 30_000 });
    await treeRow(page, 'Operators').waitFor({ state: 'visible', timeout: 45_000 });

    // "Show Release Info" on the selected release: oc adm release info --commits in a read-only editor.
    await runCommand(page, 'OKD: Show Release Info');
    const editor = page.locator('.editor-group-container .monaco-editor .view-lines');
    await editor.filter({ hasText: 'NAME' }).waitFor({ state: 'visible', timeout: 45_000 });
    assert.match(await editor.first().innerText(), /Name:\s+4\.20\.0-okd-scos\.ec\.1/);
  });
  const file = await screenshot(page, 'release-explorer');
  t.diagnostic(`code-server ready ${server?.startupMs} ms, screenshot ${file}`);
});

/** The text of the editor whose tab is `tab`, its view lines in the order shown (Monaco keeps them out of order). */
async function editorText(page: Page, tab: string): Promise<string> {
  const group = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: tab }) });
  // No DOM types here: the page's elements as far as this reads them.
  type ViewLine = { style: { top: string }; innerText: string };
  const lines = await group
    .locator('.monaco-editor .view-lines .view-line')
    .evaluateAll((els) => (els as unknown as ViewLine[]).map((el) => ({ top: parseFloat(el.style.top) || 0, text: el.innerText })));
  return lines.sort((a, b) => a.top - b.top).map((l) => l.text.replace(/\u00a0/g, ' ')).join('\n');
}

/** `text` as a pattern that also matches it broken over wrapped view lines. */
function wrapped(text: string): RegExp {
  return new RegExp([...text].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*'));
}

void test('Compare with Another Release opens the changelog: merged pull requests with links, an unserved repository noted in place', { timeout: 240_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const { releases } = world.info;
  const oldest = releases[0] as string;
  const newest = releases[releases.length - 1] as string;

  await withScreenshotOnFailure(t, browser?.page, 'release-changelog', async () => {
    await openViewContainer(page, 'OKD');
    await expandTreePath(page, 'Pinned');
    // The newest release (added by the test above, or pinned): its context menu, then the oldest typed into the pick.
    await contextAction(page, await scrollToRow(page, tagOf(newest)), 'Compare with Another Release...');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 45_000 });
    await input.fill(oldest);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: oldest }).first().click();

    // The diff first, then the changelog beside it once the served repositories are cloned.
    const tab = `${tagOf(oldest)} to ${tagOf(newest)} changelog.md`;
    await page.locator('.tab', { hasText: tab }).waitFor({ state: 'visible', timeout: 120_000 });
    await page.locator('.tab', { hasText: tab }).click();
    // Markdown wraps; the editor beside the diff is narrow. Unwrapped, the whole changelog fits on the screen.
    await runCommand(page, 'View: Toggle Word Wrap');
    const pr = '* [OCPBUGS-4711](https://issues.redhat.com/browse/OCPBUGS-4711): Keep the registry available during a rollout [#1012](https://github.com/openshift/cluster-image-registry-operator/pull/1012)';
    await until(page, 'the changelog to list pull request #1012', async () => wrapped(pr).test(await editorText(page, tab)), 60_000);
    const text = await editorText(page, tab);
    assert.match(text, wrapped('Retry the alertmanager config sync [#2110](https://github.com/openshift/cluster-monitoring-operator/pull/2110)'));
    assert.match(text, wrapped('Report storage conditions on the config [#1015](https://github.com/openshift/cluster-image-registry-operator/pull/1015)'));
    assert.doesNotMatch(text, /#1001\b/, 'a pull request merged before the older release is not listed');
    // cluster-samples-operator's repository is not served: its range says so, and no error toast is raised.
    assert.match(text, wrapped('### [cluster-samples-operator](https://github.com/openshift/cluster-samples-operator/tree/'));
    assert.match(text, /Could not read the changes:\s*could not clone https:\/\/github\.com\/openshift\/cluster-samples-operator/);
    // The pull request's address is a link in the editor (Ctrl+click opens it).
    const group = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: tab }) });
    await group.locator('.view-lines .detected-link', { hasText: /1012/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const toasts = await notifications(page);
    assert.ok(!toasts.some((m) => /could not|changelog .* to .*:/i.test(m)), `no error notification; shown: ${JSON.stringify(toasts)}`);
  });
  const file = await screenshot(page, 'release-changelog');
  t.diagnostic(`screenshot ${file}`);
});

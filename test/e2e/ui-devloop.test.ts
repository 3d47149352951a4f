// The whole inner loop in the editor, as a new user runs it on `npm start`'s sandbox: the workspace is a small
// operator checkout (its origin is cluster-image-registry-operator's source location, its .vscode/settings.json
// points okd.devRepository at the sandbox registry). From a fresh editor: the Cluster view says what the checkout
// builds; edit the Go file's version line and save; Build, Push & Patch from the operator's row in the Release
// Explorer (offered there because the checkout builds it); the Cluster view shows the patched operator running the
// dev image, its rollout complete; Show in Cluster View from the same row selects and expands it (its override
// and image below); Restore on the row puts the payload back and the row goes. Screenshot: test-results/devloop.png.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { Sandbox } from '../support/sandbox';
import { DEMO_MAIN_GO, sandboxDevRepository } from '../support/sandbox/workspace';
import { SAMPLE_COMPONENT } from '../support/sample-operator';
import type { Browser } from './support/browser';
import { repoRoot } from './support/codeServer';
import { type SandboxEditor, startSandboxEditor } from './support/sandboxEditor';
import { busyOrAsked, contextAction, inlineAction, openFile, openViewContainer, pane, screenshot, setPaneExpanded, until, withScreenshotOnFailure } from './support/ui';

let sandbox: Sandbox | undefined;
let root: string | undefined;
let browser: Browser | undefined;
let editor: SandboxEditor | undefined;

before(async () => {
  editor = await startSandboxEditor('devloop');
  ({ sandbox, root, browser } = editor);
});

after(async () => {
  await editor?.stop();
});

const OVERRIDE = `Deployment.apps/openshift-image-registry/${SAMPLE_COMPONENT}`;

/** Rows of a pane whose label is exactly `label`. */
function rows(page: Page, paneTitle: string, label: string): Locator {
  return pane(page, paneTitle)
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
}

/** Expands `label` in a pane (the click is repeated when a re-render swallowed it). */
async function expand(page: Page, paneTitle: string, label: string): Promise<Locator> {
  const row = rows(page, paneTitle, label).first();
  await row.waitFor({ state: 'visible', timeout: 45_000 });
  let clickedAt = 0;
  await until(page, `row "${label}" to expand`, async () => {
    if ((await row.getAttribute('aria-expanded')) === 'true') return true;
    if (Date.now() - clickedAt > 2_000) {
      await row.click();
      clickedAt = Date.now();
    }
    return false;
  });
  return row;
}

/** Scrolls a pane's tree (a virtual list: rows out of sight are not in the page) until the row shows: down, then up. */
async function scrollTo(page: Page, paneTitle: string, label: string): Promise<Locator> {
  const row = rows(page, paneTitle, label).first();
  const list = pane(page, paneTitle).locator('.monaco-list').first();
  let tries = 0;
  await until(page, `row "${label}" in ${paneTitle}`, async () => {
    if (await row.isVisible()) return true;
    await list.hover();
    await page.mouse.wheel(0, tries++ % 60 < 30 ? 120 : -120);
    return false;
  });
  return row;
}

void test('The loop in the editor: edit the Go file, Build, Push & Patch from the operator row, the Cluster view shows the new image rolled out, Restore', { timeout: 420_000 }, async (t) => {
  assert.ok(sandbox && browser && root);
  const { page } = browser;
  const devRepository = sandboxDevRepository(sandbox);
  const release = sandbox.releases[sandbox.releases.length - 2] as string;
  const releaseTag = release.slice(release.lastIndexOf(':') + 1);
  const mainGo = path.join(root, 'workspace', DEMO_MAIN_GO);

  await withScreenshotOnFailure(t, page, 'devloop', async () => {
    await openViewContainer(page, 'OKD');
    await setPaneExpanded(page, 'Cluster', true);
    // The Cluster view connects and matches the checkout against the cluster's release.
    const workspaceRow = rows(page, 'Cluster', `This workspace builds ${SAMPLE_COMPONENT}`).first();
    await workspaceRow.waitFor({ state: 'visible', timeout: 90_000 });
    assert.match(await rows(page, 'Cluster', 'Patched Operators').first().innerText(), /none/);

    // The one-line change: the version the operator logs, typed into the editor and saved.
    await openFile(page, DEMO_MAIN_GO);
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(':10');
    await input.press('Enter');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.insertText('const version = "v0.0.2-from-the-ui"');
    await page.keyboard.press('Control+S');
    await until(page, 'the edit to be saved', async () => fs.readFileSync(mainGo, 'utf8').includes('const version = "v0.0.2-from-the-ui"\n'));
    assert.doesNotMatch(fs.readFileSync(mainGo, 'utf8'), /v0\.0\.1/);

    // The operator's row in the Release Explorer offers Build, Push & Patch: the open checkout builds it.
    await setPaneExpanded(page, 'Cluster', false);
    await setPaneExpanded(page, 'Releases', true);
    await expand(page, 'Releases', releaseTag);
    await expand(page, 'Releases', 'Operators');
    const operatorRow = await scrollTo(page, 'Releases', SAMPLE_COMPONENT);
    // One click: the loop's notification is filed away here and the Cluster pane (with its progress bar) is folded,
    // so nothing tells a second click from a lost one; the Cluster view's patched row below is the check.
    await operatorRow.hover();
    await operatorRow.locator('.actions .action-label[aria-label="Build, Push & Patch"]').click();

    // The Cluster view: the patched operator runs an image of the dev repository, its rollout complete.
    await setPaneExpanded(page, 'Cluster', true);
    const patched = rows(page, 'Cluster', SAMPLE_COMPONENT).filter({ hasText: `${devRepository}@` }).first();
    await patched.waitFor({ state: 'visible', timeout: 240_000 });
    await until(page, 'the rollout to show as complete', async () => /complete/.test(await patched.innerText()), 120_000);
    const description = await patched.innerText();
    t.diagnostic(`patched row: ${description.replace(/\s+/g, ' ')}`);

    // Show in Cluster View from the same row: the patched row selected and expanded, its override below it.
    // The Releases pane shrank when the Cluster pane opened: bring the operator row back into sight first.
    await contextAction(page, await scrollTo(page, 'Releases', SAMPLE_COMPONENT), 'Show in Cluster View');
    await until(page, 'the patched row to be selected and expanded', async () => (await patched.getAttribute('aria-expanded')) === 'true' && (await patched.getAttribute('aria-selected')) === 'true', 60_000);
    // One override row in the Overrides group, one under the patched operator.
    await until(page, 'the override under the patched row', async () => (await rows(page, 'Cluster', OVERRIDE).count()) === 2, 30_000);
    await rows(page, 'Cluster', SAMPLE_COMPONENT).filter({ hasText: `${devRepository}@` }).nth(1).waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'devloop');

    // Restore on the patched row: the payload's image is back, the row goes.
    const patchedGroup = rows(page, 'Cluster', 'Patched Operators').first();
    await inlineAction(page, patched, 'Restore Operator', 'the restore to begin', async () => (await busyOrAsked(page, 'Cluster')) || /none/.test(await patchedGroup.innerText()));
    const picker = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await until(
      page,
      'the patched row to go (after answering the picker if it asked)',
      async () => {
        if (await picker.isVisible()) await page.keyboard.press('Enter');
        return (await rows(page, 'Cluster', SAMPLE_COMPONENT).filter({ hasText: `${devRepository}@` }).count()) === 0 && /none/.test(await patchedGroup.innerText());
      },
      120_000,
    );
    assert.equal(await rows(page, 'Cluster', OVERRIDE).count(), 0);
  });
  t.diagnostic(`screenshot ${repoRoot}/test-results/devloop.png`);
});

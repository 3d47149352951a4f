// An operand patched from the editor, on the sandbox's test cluster: prometheus, which cluster-monitoring-operator
// takes from its `-images=prometheus=` argument. Patch into Cluster on the image row of the Release Explorer, type
// a dev image, confirm the plan; the Cluster view's row for prometheus shows the operator's Deployment with its
// override and the argument's edit, and reaches complete; its inline Restore removes it and the override. Then a
// private image: the patch stops before any change and the notification offers to add the user's login.
// Screenshot: test-results/operand.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { RegistryClient } from '../../src/core/registry/client';
import { parsePullspec } from '../../src/core/pullspec';
import { pushComponentImage } from '../support/cluster/payload';
import { startRegistry, type TestRegistry } from '../support/registry';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { busyOrAsked, contextAction, expandTreePath, inlineAction, openViewContainer, openWorkbench, pane, runCommand, screenshot, setPaneExpanded, treeRow, until, withScreenshotOnFailure } from './support/ui';
import { startWorld, type World } from './support/world';

let world: World | undefined;
let privateRegistry: TestRegistry | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let devImage = '';
let privateImage = '';

before(async () => {
  await buildExtension();
  world = await startWorld();
  privateRegistry = await startRegistry({ auth: 'token' });
  const client = new RegistryClient({ insecure: true });
  const pusher = new RegistryClient({ insecure: true, authFile: privateRegistry.authFile as string });
  try {
    devImage = await pushComponentImage(client, world.sandbox.registry, 'dev/prometheus', 'dev', 'my-prometheus');
    privateImage = await pushComponentImage(pusher, privateRegistry.host, 'me/operator', 'dev', 'operator');
  } finally {
    await client.close();
    await pusher.close();
  }
  const insecure = [...((world.settings['okd.insecureRegistries'] as string[] | undefined) ?? []), privateRegistry.host];
  server = await startCodeServer({ workspace: world.workspace, extensionDevelopmentPath: repoRoot, settings: { ...world.settings, 'okd.insecureRegistries': insecure }, env: world.env });
  browser = await launchBrowser();
  await openWorkbench(browser.page, server.workbenchUrl());
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await privateRegistry?.stop();
  await world?.stop();
});

const CMO = 'openshift-monitoring/cluster-monitoring-operator';
const OVERRIDE = `Deployment.apps/${CMO}`;

/** Scrolls a pane's virtual list until the row with exactly `label` shows. */
async function scrollTo(page: Page, paneTitle: string, label: string): Promise<Locator> {
  const row = pane(page, paneTitle).locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  const list = pane(page, paneTitle).locator('.monaco-list').first();
  // As a user would with a long list: focus it and type the label (the tree's type navigation moves the focus to
  // the first row that starts with it and scrolls there); the wheel is the fallback.
  if (!(await row.isVisible())) {
    await list.focus();
    await page.keyboard.type(label, { delay: 50 });
  }
  let tries = 0;
  await until(page, `row "${label}" in ${paneTitle}`, async () => {
    if (await row.isVisible()) return true;
    await list.hover();
    await page.mouse.wheel(0, tries++ % 80 < 40 ? 120 : -120);
    return false;
  }, 120_000);
  return row;
}

void test('Operand from the Release Explorer: Patch into Cluster on its image row; the Cluster view shows the override and the edit, complete; inline Restore removes it', { timeout: 420_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input.input');
  // The Pinned row's label is the release's tag (its pullspec is the description).
  const pinned = parsePullspec((world.settings['okd.pinnedReleases'] as string[])[0] as string).tag as string;
  const sandboxRegistry = world.sandbox.registry;

  await withScreenshotOnFailure(t, page, 'operand', async () => {
    await openViewContainer(page, 'OKD');
    await setPaneExpanded(page, 'Cluster', true);
    await treeRow(page, 'Overrides').waitFor({ state: 'visible', timeout: 90_000 });
    assert.match(await treeRow(page, 'Overrides').innerText(), /none/);
    await setPaneExpanded(page, 'Cluster', false);
    await setPaneExpanded(page, 'Releases', true);
    // The release opens on its Operators: fold them away to reach its Images.
    const operators = await expandTreePath(page, 'Pinned', pinned, 'Operators');
    await operators.click();
    await until(page, 'Operators to fold', async () => (await treeRow(page, 'Operators').getAttribute('aria-expanded')) === 'false', 30_000);
    await expandTreePath(page, 'Images');
    const image = await scrollTo(page, 'Releases', 'prometheus');
    await contextAction(page, image, /^Patch into Cluster/);

    // The image: the release's own is offered first; type the dev image instead.
    await widget.locator('.quick-input-title', { hasText: 'Image to run as prometheus' }).waitFor({ state: 'visible', timeout: 60_000 });
    await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Type an image pullspec' }).first().click();
    await input.fill(devImage);
    await input.press('Enter');

    // The plan before anything changes: the operator's Deployment, its override and the argument's edit.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 90_000 });
    const plan = await dialog.innerText();
    assert.match(plan, /Patch operand prometheus in cluster/);
    assert.match(plan, new RegExp(`override ${OVERRIDE.replace(/[./]/g, '\\$&')} unmanaged`));
    assert.match(plan, /args cluster-monitoring-operator\[\d+\]: -images=prometheus=\S+ -> -images=prometheus=/);
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Patch' }).click();

    // The Cluster view: the operand's row, its object (expanded) with the override and the edit; complete.
    await setPaneExpanded(page, 'Releases', false);
    await setPaneExpanded(page, 'Cluster', true);
    const row = treeRow(page, 'prometheus');
    await row.filter({ hasText: /operand/ }).waitFor({ state: 'visible', timeout: 180_000 });
    await until(page, 'the operand patch to show as complete', async () => /complete/.test(await row.innerText()), 180_000);
    await expandTreePath(page, 'prometheus');
    await treeRow(page, `Deployment ${CMO}`).waitFor({ state: 'visible', timeout: 30_000 });
    const edit = page.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^args cluster-monitoring-operator\[\d+\]$/ }) }).first();
    await edit.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await edit.innerText(), new RegExp(`-images=prometheus=\\S+ -> -images=prometheus=${sandboxRegistry.replace(/[.]/g, '\\.')}/dev/prometheus@`));
    // One override row under the object, one in the Overrides group.
    await until(page, 'the override rows', async () => (await page.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: OVERRIDE }) }).count()) === 2, 30_000);
    await screenshot(page, 'operand');

    // Inline Restore on the operand's row: the payload's argument back, the override gone, the row gone.
    await inlineAction(page, row, 'Restore Operator', 'the restore to begin', async () => (await busyOrAsked(page, 'Cluster')) || (await treeRow(page, 'prometheus').count()) === 0);
    const picker = widget.locator('.quick-input-list .monaco-list-row').first();
    await until(page, 'the operand row to go (after answering the picker if it asked)', async () => {
      if (await picker.isVisible()) await page.keyboard.press('Enter');
      return (await treeRow(page, 'prometheus').count()) === 0;
    }, 180_000);
    await until(page, 'no override left', async () => /none/.test(await treeRow(page, 'Overrides').innerText()), 60_000);
  });
  t.diagnostic(`screenshot ${repoRoot}/test-results/operand.png`);
});

void test('A private image: the patch stops before any change and the notification offers to add my login to the cluster pull secret', { timeout: 240_000 }, async (t) => {
  assert.ok(world && browser && privateRegistry);
  const { page } = browser;
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input.input');
  const operator = world.info.cluster.patchOperator;

  await withScreenshotOnFailure(t, page, 'operand-pull-refused', async () => {
    await openViewContainer(page, 'OKD');
    await runCommand(page, 'OKD: Patch Operator Image into Cluster...', undefined, { asks: true });
    await widget.locator('.quick-input-title', { hasText: 'Operators of release' }).waitFor({ state: 'visible', timeout: 60_000 });
    await input.fill(operator);
    await widget.locator('.quick-input-list .monaco-list-row', { hasText: operator }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.press('Enter');
    await widget.locator('.quick-input-title', { hasText: `Image to run as ${operator}` }).waitFor({ state: 'visible', timeout: 30_000 });
    const typeOne = widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Type an image pullspec' }).first();
    if (await typeOne.isVisible()) await typeOne.click();
    await input.fill(privateImage);
    await input.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Patch' }).click();

    const button = `Add my login for ${privateRegistry?.host} to the cluster pull secret`;
    // After a modal dialog this workbench files the error in the notification center without popping a toast
    // (as ui-manifests found): read it there, where a user finds it under the bell. The center lists new ones live.
    await runCommand(page, 'Notifications: Show Notifications');
    const toast = page.locator('.notifications-center .notification-list-item').filter({ hasText: /cannot pull/ }).first();
    await toast.waitFor({ state: 'visible', timeout: 90_000 });
    const text = await toast.locator('.notification-list-item-message').innerText();
    t.diagnostic(`refusal: ${text}`);
    assert.match(text, new RegExp(`the cluster cannot pull ${privateImage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for the pods of Deployment openshift-image-registry/${operator}`));
    assert.match(text, /nothing was changed/);
    await toast.locator('.monaco-button', { hasText: button }).waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'operand-pull-refused');
    // The cluster untouched: no override, nothing patched.
    assert.match(await treeRow(page, 'Overrides').innerText(), /none/);
  });
});

// The Cluster view as a person sees it, in code-server against the sandbox's test cluster: the view connects
// when shown; after `okd-dev cluster patch` (the CLI, from another "terminal") the view's watches list the override
// and the patched operator, and the status bar warns; clicking the status bar item brings the view back; the
// override row's inline Restore puts the payload back. Screenshot: test-results/cluster.png. Then the same from the
// palette alone: Patch Operator Image into Cluster (operator picker, image box, the confirmation with the exact
// override) and Restore Operator (its picker).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliEnv, runCli } from '../support/cli';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { busyOrAsked, expandTreePath, inlineAction, openViewContainer, openWorkbench, runCommand, screenshot, treeRow, until, withScreenshotOnFailure } from './support/ui';
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

const OVERRIDE = 'Deployment.apps/openshift-image-registry/cluster-image-registry-operator';

void test('Cluster view: a patch shows as an override row and a status bar warning; inline Restore removes it', { timeout: 180_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const { cluster, kubeconfig } = world.info;

  await withScreenshotOnFailure(t, browser?.page, 'cluster', async () => {
    await openViewContainer(page, 'OKD');
    // Give the Cluster view the side bar: fold Releases, unfold Cluster.
    const releases = page.locator('.part.sidebar .pane-header', { hasText: 'Releases' });
    if ((await releases.getAttribute('aria-expanded')) === 'true') await releases.click();
    const clusterHeader = page.locator('.part.sidebar .pane-header', { hasText: 'Cluster' });
    if ((await clusterHeader.getAttribute('aria-expanded')) === 'false') await clusterHeader.click();

    const started = Date.now();
    await treeRow(page, 'admin').waitFor({ state: 'visible', timeout: 45_000 });
    await treeRow(page, cluster.version).waitFor({ state: 'visible', timeout: 45_000 });
    t.diagnostic(`Cluster view connected in ${Date.now() - started} ms`);
    const overrides = treeRow(page, 'Overrides');
    assert.match(await overrides.innerText(), /none/);

    // Patch from the CLI, as a user would from a terminal: the view learns of it through its watches.
    const patch = await runCli(
      ['cluster', 'patch', cluster.patchOperator, cluster.patchImage, '--kubeconfig', kubeconfig, '--insecure', '--timeout', '60'],
      cliEnv(),
    );
    assert.equal(patch.code, 0, patch.stderr);
    const watched = Date.now();
    const override = treeRow(page, OVERRIDE);
    await override.waitFor({ state: 'visible', timeout: 30_000 });
    t.diagnostic(`override row ${Date.now() - watched} ms after the CLI finished`);
    // The CLI saw the rollout complete; the view learns it through its own watch a moment later.
    await treeRow(page, cluster.patchOperator).filter({ hasText: /complete/ }).waitFor({ state: 'visible', timeout: 30_000 });

    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'OKD: 1 override' });
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await item.getAttribute('class')) ?? '', /warning-kind/);
    await expandTreePath(page, 'Cluster Operators');
    await treeRow(page, 'aws-ebs-csi-driver').waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'cluster');
    await treeRow(page, 'Cluster Operators').click();

    // The status bar item brings the Cluster view back after the user went elsewhere.
    await openViewContainer(page, 'Explorer');
    await override.waitFor({ state: 'hidden', timeout: 30_000 });
    await item.click();
    await override.waitFor({ state: 'visible', timeout: 30_000 });

    // Inline Restore on the override row: the CVO puts the payload's Deployment back, the warning goes away.
    await inlineAction(page, override, 'Restore Operator', 'the restore to begin', async () => (await busyOrAsked(page, 'Cluster')) || !(await override.isVisible()));
    // When a watch event re-renders the row between the hover and the click, the workbench runs the action without
    // its row; the command then asks which operator (the only one) instead of failing.
    const picker = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await until(page, 'the override row to go (after answering the picker if it asked)', async () => {
      if (await picker.isVisible()) await page.keyboard.press('Enter');
      return !(await override.isVisible());
    }, 60_000);
    await item.waitFor({ state: 'hidden', timeout: 30_000 });
    assert.match(await treeRow(page, 'Overrides').innerText(), /none/);
  });
  t.diagnostic(`screenshot ${repoRoot}/test-results/cluster.png`);
});

void test('Palette: Patch Operator picks the operator, takes the image, shows the exact override to confirm; Restore Operator picks it back', { timeout: 180_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const { cluster } = world.info;
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input.input');
  const override = treeRow(page, OVERRIDE);

  await withScreenshotOnFailure(t, browser?.page, 'cluster-palette', async () => {
    await openViewContainer(page, 'OKD');
    await treeRow(page, 'Overrides').waitFor({ state: 'visible', timeout: 45_000 });
    assert.match(await treeRow(page, 'Overrides').innerText(), /none/);

    await runCommand(page, 'OKD: Patch Operator Image into Cluster...', undefined, { asks: true });
    // The operators of the cluster's release, filtered by what is typed.
    await widget.locator('.quick-input-title', { hasText: `Operators of release ${cluster.version}` }).waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(cluster.patchOperator);
    await widget.locator('.quick-input-list .monaco-list-row', { hasText: cluster.patchOperator }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.press('Enter');
    // No image used before: the box for a pullspec, which checks what is typed.
    await widget.locator('.quick-input-title', { hasText: `Image to run as ${cluster.patchOperator}` }).waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('Not A Pullspec');
    await widget.locator('.quick-input-message', { hasText: /\S/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(cluster.patchImage);
    await input.press('Enter');

    // The confirmation names the override entry and the Deployment change before anything is written.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const detail = await dialog.innerText();
    assert.match(detail, new RegExp(`Patch ${cluster.patchOperator} in cluster`));
    assert.match(detail, /"kind":"Deployment","group":"apps","namespace":"openshift-image-registry","name":"cluster-image-registry-operator","unmanaged":true/);
    assert.match(await treeRow(page, 'Overrides').innerText(), /none/, 'nothing is patched before the confirmation');
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Patch' }).click();

    await override.waitFor({ state: 'visible', timeout: 60_000 });
    const patched = treeRow(page, cluster.patchOperator);
    await patched.waitFor({ state: 'visible', timeout: 30_000 });
    await until(page, 'the rollout to show as complete', async () => /complete/.test(await patched.innerText()), 90_000);

    await runCommand(page, 'OKD: Restore Operator', undefined, { asks: true });
    await widget.locator('.quick-input-title', { hasText: 'Restore Operator' }).waitFor({ state: 'visible', timeout: 45_000 });
    await widget.locator('.quick-input-list .monaco-list-row', { hasText: cluster.patchOperator }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.press('Enter');
    await override.waitFor({ state: 'hidden', timeout: 30_000 });
    assert.match(await treeRow(page, 'Overrides').innerText(), /none/);
  });
});

void test('Cluster view: while the API server restarts the context row says reconnecting, and it comes back by itself', { timeout: 180_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const cluster = world.sandbox.cluster?.cluster;
  assert.ok(cluster, 'the sandbox runs a test cluster');

  await withScreenshotOnFailure(t, browser?.page, 'cluster-reconnecting', async () => {
    await openViewContainer(page, 'OKD');
    const context = treeRow(page, 'admin');
    await context.waitFor({ state: 'visible', timeout: 45_000 });
    assert.doesNotMatch(await context.innerText(), /reconnecting/);
    // Down for a while, as during an upgrade's API server rollout; the view's watches find it gone.
    const restarted = cluster.restartApiServer({ downMs: 8_000 });
    try {
      await context.filter({ hasText: /reconnecting/ }).waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, 'cluster-reconnecting');
      assert.ok(await treeRow(page, world?.info.cluster.version ?? '').isVisible(), 'the last status stays in view');
    } finally {
      await restarted;
    }
    await until(page, 'the context row to drop "reconnecting"', async () => !/reconnecting/.test(await context.innerText()), 90_000);
  });
});

void test('Palette: Upgrade Cluster picks a pinned release, shows the exact spec.desiredUpdate to confirm, and the Cluster view follows it', { timeout: 180_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const { cluster } = world.info;
  const target = (world.settings['okd.pinnedReleases'] as string[])[0] as string;
  const version = target.slice(target.lastIndexOf(':') + 1);
  assert.notEqual(version, cluster.version);
  const widget = page.locator('.quick-input-widget');

  await withScreenshotOnFailure(t, browser?.page, 'cluster-upgrade', async () => {
    await openViewContainer(page, 'OKD');
    await treeRow(page, cluster.version).waitFor({ state: 'visible', timeout: 45_000 });

    await runCommand(page, 'OKD: Upgrade Cluster to This Release...', undefined, { asks: true });
    await widget.locator('.quick-input-title', { hasText: 'Upgrade Cluster' }).waitFor({ state: 'visible', timeout: 45_000 });
    await widget.locator('.quick-input-list .monaco-list-row', { hasText: target }).first().click();

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`Upgrade the cluster \\(context admin\\) from ${cluster.version.replace(/\./g, '\\.')} to ${version.replace(/\./g, '\\.')}\\?`));
    assert.match(text, /spec\.desiredUpdate: \{image: \S+@sha256:[a-f0-9]{64}, force: true, version: "/);
    assert.ok(await treeRow(page, cluster.version).isVisible(), 'nothing changes before the confirmation');
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Upgrade' }).click();

    // The cluster-version operator applies the new payload; the Cluster view's release row follows.
    await treeRow(page, version).waitFor({ state: 'visible', timeout: 90_000 });
    await treeRow(page, cluster.version).waitFor({ state: 'hidden', timeout: 30_000 });
  });
});

// A release tag's Results in the Release Explorer, as a person sees them in code-server against the sandbox: expand
// the rejected 4.20 candidate under its stream, then its Results row (read from the release controller only then):
// the phase, the failed blocking jobs with their state, the upgrade into it that failed; a job row opens its run page.
// Screenshot: test-results/release-results.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { expandTreePath, openViewContainer, openWorkbench, screenshot, treeRow, withScreenshotOnFailure } from './support/ui';
import { startWorld, type World } from './support/world';
import { jobUrl } from '../support/sandbox/releaseResults';

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

void test('Release Explorer: a rejected tag\'s Results show its phase, failed blocking jobs and upgrades, and open a job\'s run page', { timeout: 240_000 }, async (t) => {
  assert.ok(world && browser);
  const { page } = browser;
  const next = world.info.streams.find((s) => s.name === '4-scos-next');
  const tag = next?.tags[0];
  assert.ok(tag && tag.phase === 'Rejected', 'the sandbox lists a rejected tag in 4-scos-next');
  const controller = world.sandbox.controller;

  await withScreenshotOnFailure(t, page, 'release-results', async () => {
    await openViewContainer(page, 'OKD');
    const cluster = page.locator('.part.sidebar .pane-header', { hasText: 'Cluster' });
    if ((await cluster.getAttribute('aria-expanded')) === 'true') await cluster.click();
    await treeRow(page, new URL(world!.info.releaseController).host).waitFor({ state: 'visible', timeout: 45_000 });

    await expandTreePath(page, '4-scos-next', tag.name);
    const results = treeRow(page, 'Results');
    await results.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await results.innerText(), /release controller/);
    // Nothing asked of the controller about the tag before the row is expanded.
    const resultsPath = `/api/v1/releasestream/4-scos-next/release/${tag.name}`;
    assert.ok(!controller.requests.some((r) => r.includes(resultsPath)), controller.requests.join('\n'));

    await expandTreePath(page, 'Results');
    const phase = treeRow(page, 'Phase: Rejected');
    await phase.waitFor({ state: 'visible', timeout: 45_000 });
    assert.match(await phase.innerText(), /2 blocking jobs failed/);
    assert.ok(controller.requests.some((r) => r === `GET ${resultsPath}`));
    // The failed blocking jobs are open at once, each with its state (and the error icon).
    const blocking = treeRow(page, 'Blocking jobs');
    assert.match(await blocking.innerText(), /2, 2 failed/);
    const aws = treeRow(page, 'aws');
    await aws.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await aws.innerText(), /Failed · retried 2x/);
    assert.equal(await aws.locator('.codicon-error').count(), 1);
    assert.match(await treeRow(page, 'upgrade').innerText(), /Failed/);
    assert.match(await treeRow(page, 'Informing jobs').innerText(), /^Informing jobs\s*1$/);
    // The upgrade tested into the tag failed: shown open with the edge's counts.
    const from = treeRow(page, 'from 4.19.0-okd-scos.1');
    await from.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await from.innerText(), /Failed · 0 passed, 1 failed of 1/);
    assert.match(await treeRow(page, `Upgrades from ${tag.name}`).innerText(), /none recorded/);
    await screenshot(page, 'release-results');

    // Clicking a job opens its run page (a loopback link: the editor opens it without asking, in a new tab).
    const url = jobUrl(world!.info.releaseController, 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-aws-ovn', tag.name);
    const popup = page.context().waitForEvent('page', { timeout: 30_000 });
    await aws.click();
    const opened = await popup;
    await opened.waitForLoadState('domcontentloaded');
    // code-server opens a loopback port through its own proxy (/proxy/PORT/...): the same run page.
    assert.ok(opened.url() === url || opened.url().endsWith(`/proxy/${new URL(url).port}${new URL(url).pathname}`), opened.url());
    assert.match(await opened.locator('h1').innerText(), /periodic-ci-openshift-release-master-okd-scos-4\.20-e2e-aws-ovn/);
    await opened.close();
  });
});

// A release tag's Results in the Release Explorer, as a person sees them in code-server against the sandbox: expand
// the rejected 4.20 candidate under its stream, then its Results row (read from the release controller only then):
// the phase, the failed blocking jobs with their state, the upgrade into it that failed, whether the connected
// cluster can upgrade to it (its channel's graph); a job row opens its run page. Then an accepted 4.19 tag's Results:
// a direct upgrade from what the cluster runs. Screenshots: test-results/release-results{,-upgrade}.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, type Browser } from './support/browser';
import { repoRoot, startCodeServer, type CodeServer } from './support/codeServer';
import { buildExtension } from './support/extension';
import { expandTreePath, openViewContainer, openWorkbench, screenshot, treeRow, until, withScreenshotOnFailure } from './support/ui';
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

void test('Release Explorer: a tag\'s Results show its phase, failed blocking jobs, upgrades and whether the cluster can upgrade to it, and open a job\'s run page', { timeout: 240_000 }, async (t) => {
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
    assert.ok(!controller.requests.some((r) => r.includes(resultsPath) || r.includes('/graph')), controller.requests.join('\n'));

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
    // Can the connected cluster get there: the sandbox cluster's channel (stable-scos-4) keeps only passed upgrades,
    // and the one into this candidate failed.
    const fromCluster = treeRow(page, 'Not reachable from your cluster');
    await fromCluster.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await fromCluster.locator('.label-description').innerText(), `${world!.info.cluster.version}, channel ${CLUSTER_CHANNEL}`);
    assert.ok(controller.requests.includes(`GET /graph?channel=${CLUSTER_CHANNEL}`), controller.requests.join('\n'));
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

    // The next accepted 4.19 tag is one passed upgrade away from what the cluster runs.
    const stable = world!.info.streams.find((s) => s.name === '4-scos-stable')?.tags.find((x) => x.name !== world!.info.cluster.version);
    assert.ok(stable, 'the sandbox lists a 4.19 tag the cluster does not run');
    await collapseTreeRow(page, '4-scos-next');
    await expandTreePath(page, '4-scos-stable', stable.name, 'Results');
    const direct = treeRow(page, 'Direct upgrade from your cluster');
    await direct.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await direct.locator('.label-description').innerText(), `${world!.info.cluster.version}, channel ${CLUSTER_CHANNEL}`);
    assert.equal(await direct.locator('.codicon-arrow-circle-up').count(), 1);
    // Its tooltip, as the workbench shows it on hover: the sentence, the path and the graph asked.
    await direct.hover();
    const tooltip = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'direct upgrade' }).first();
    await tooltip.waitFor({ state: 'visible', timeout: 30_000 });
    const tip = await tooltip.innerText();
    assert.match(tip, new RegExp(`From your cluster's ${world!.info.cluster.version.replace(/\./g, '\\.')}: direct upgrade`));
    assert.ok(tip.includes(`${world!.info.cluster.version} -> ${stable.name} (1 upgrade) in channel ${CLUSTER_CHANNEL}.`), tip);
    assert.ok(tip.includes(`Graph: ${world!.info.releaseController}/graph?channel=${CLUSTER_CHANNEL}`), tip);
    await screenshot(page, 'release-results-upgrade');
  });
});

/** The channel of the sandbox cluster's ClusterVersion (the test cluster's default spec.channel, as OKD SCOS's). */
const CLUSTER_CHANNEL = 'stable-scos-4';

async function collapseTreeRow(page: Browser['page'], label: string): Promise<void> {
  const row = treeRow(page, label);
  if ((await row.getAttribute('aria-expanded')) === 'true') await row.click();
  await until(page, `tree row "${label}" to collapse`, async () => (await row.getAttribute('aria-expanded')) === 'false');
}

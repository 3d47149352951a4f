// Apply Checkout Manifests in the editor, on `npm start`'s sandbox: the workspace is the sample operator checkout,
// whose manifests/ are what the sandbox payload ships for cluster-image-registry-operator. The user adds a label
// to the operator's Namespace manifest and runs "OKD: Apply Checkout Manifests to Cluster" from the palette: the
// diff editor opens with the cluster's Namespace on the left and the checkout's on the right, the label only on
// the right; nothing is written before the modal question; Apply writes it behind the Namespace's own override.
// Screenshot: test-results/manifests-diff.png.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import { DEMO_NAMESPACE_MANIFEST } from '../support/sandbox/workspace';
import { SAMPLE_COMPONENT } from '../support/sample-operator';
import { repoRoot } from './support/codeServer';
import { type SandboxEditor, startSandboxEditor } from './support/sandboxEditor';
import { openViewContainer, runCommand, screenshot, until, withScreenshotOnFailure } from './support/ui';

let editor: SandboxEditor | undefined;

before(async () => {
  editor = await startSandboxEditor('manifests');
});

after(async () => {
  await editor?.stop();
});

const NAMESPACE = 'openshift-image-registry';
const LABEL = 'okd-dev.example/demo';

/* eslint-disable @typescript-eslint/no-explicit-any */
void test('Apply Checkout Manifests: the diff editor shows the edited Namespace against the cluster\'s, Apply writes it behind its override', { timeout: 300_000 }, async (t) => {
  assert.ok(editor?.sandbox.cluster);
  const cluster = editor.sandbox.cluster.cluster;
  const { root } = editor;
  const { page } = editor.browser;
  const get = async (p: string): Promise<any> => (await apiRequest(cluster, 'GET', p)).json;
  const labelOnCluster = async () => (await get(`/api/v1/namespaces/${NAMESPACE}`)).metadata.labels?.[LABEL] as string | undefined;
  const overrides = async () => ((await get('/apis/config.openshift.io/v1/clusterversions/version')).spec?.overrides ?? []) as { kind: string; name: string; unmanaged: boolean }[];

  await withScreenshotOnFailure(t, page, 'manifests-diff', async () => {
    await openViewContainer(page, 'OKD');

    // The developer's change to the checkout's manifests/.
    const file = path.join(root, 'workspace', DEMO_NAMESPACE_MANIFEST);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^  name: ${NAMESPACE}\\n`, 'm'));
    fs.writeFileSync(file, text.replace(`  name: ${NAMESPACE}\n`, `  name: ${NAMESPACE}\n  labels:\n    ${LABEL}: edited\n`));
    assert.equal(await labelOnCluster(), undefined);

    await runCommand(page, 'OKD: Apply Checkout Manifests to Cluster');

    // One object changed: its diff editor opens, the cluster's Namespace left, the checkout's right.
    const diffEditor = page.locator('.monaco-diff-editor').first();
    await diffEditor.waitFor({ state: 'visible', timeout: 90_000 });
    await page.locator('.tab', { hasText: `Namespace/${NAMESPACE}: cluster ↔ checkout` }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // The editor renders spaces as no-break spaces: read the lines as the user sees them.
    const shown = async (side: 'modified' | 'original') => (await diffEditor.locator(`.editor.${side} .view-lines`).innerText()).replace(/\u00a0/g, ' ');
    await until(page, 'the checkout side to show the new label', async () => /okd-dev\.example\/demo: edited/.test(await shown('modified')), 30_000);
    assert.match(await shown('original'), new RegExp(`name: ${NAMESPACE}`));
    assert.doesNotMatch(await shown('original'), /okd-dev\.example\/demo/, 'the cluster side has no such label');
    assert.ok((await diffEditor.locator('.line-insert, .char-insert').count()) > 0, 'the label is marked as inserted');

    // The question comes after the difference, and nothing is written before it is answered.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const question = await dialog.innerText();
    assert.match(question, new RegExp(`Apply 1 object of ${SAMPLE_COMPONENT}'s manifests/ to cluster`));
    assert.ok(question.includes(`~ changed Namespace/${NAMESPACE} (metadata.labels["${LABEL}"])`), question);
    await screenshot(page, 'manifests-diff');
    assert.equal(await labelOnCluster(), undefined, 'nothing applied before the answer');
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Apply$/ }).click();

    // Applied, behind the Namespace's own override; a notification says so. Read in the notification center: right
    // after the modal, this workbench files the message there without popping a toast.
    await until(page, 'the label on the cluster\'s Namespace', async () => (await labelOnCluster()) === 'edited', 120_000);
    assert.ok((await overrides()).some((o) => o.kind === 'Namespace' && o.name === NAMESPACE && o.unmanaged), 'the Namespace has its own override');
    await runCommand(page, 'Notifications: Show Notifications');
    const notice = page.locator('.notifications-center .notification-list-item-message', { hasText: /Applied 1 object\(s\) of cluster-image-registry-operator's manifests\/ to cluster admin, each behind its override/ });
    await notice.first().waitFor({ state: 'visible', timeout: 60_000 });
  });
  t.diagnostic(`screenshot ${repoRoot}/test-results/manifests-diff.png`);
});

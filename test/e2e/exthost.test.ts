// Runs test/e2e/exthost/suites/*.suite.ts (mocha, vscode API) inside a real VS Code extension host and asserts
// they all passed. The suites' own spec output is printed so a failure reads like a local mocha run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExtension } from './support/extension';
import { runExtensionHostTests } from './support/extensionHost';
import { startWorld } from './support/world';

void test('extension-host suites pass in code-server', { timeout: 720_000 }, async (t) => {
  await buildExtension();
  const world = await startWorld();
  t.after(() => world.stop());
  const run = await runExtensionHostTests({ timeoutMs: 540_000, grep: process.env.OKD_E2E_GREP, settings: world.settings, env: world.env, workspace: world.workspace });
  const { results, timings } = run;
  t.diagnostic(`build ${timings.buildMs} ms, code-server ready ${timings.serverReadyMs} ms, suites ${timings.testsMs} ms`);
  process.stdout.write(`${results.output.join('\n')}\n`);
  const failures = results.failures.map((f) => `${f.title}\n${f.error}`).join('\n\n');
  assert.equal(results.failed, 0, `${results.failed} extension-host test(s) failed:\n${failures}`);
  assert.ok(results.passed > 0, 'no extension-host test ran');
  assert.equal(run.exitCode, 0, `the extension host reported exit code ${run.exitCode}`);
});

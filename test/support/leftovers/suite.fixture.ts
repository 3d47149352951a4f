// A suite that fails on purpose, for test/integration/no-leftover-processes.test.ts. It starts what tests start
// (a registry, Chromium and, when installed and asked for, code-server), writes their pids to $LEFTOVER_PIDS, and
// then never stops them. $LEFTOVER_MODE says how it ends: `fail` (an assertion fails), `kill` (the test process
// is SIGKILLed: no hook or exit handler runs) or `hang` (it waits to be interrupted by Ctrl+C).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { launchBrowser } from '../../e2e/support/browser';
import { startCodeServer } from '../../e2e/support/codeServer';
import { startRegistry } from '../registry';

void test('starts servers and fails without stopping them', { timeout: 120_000 }, async () => {
  const mode = process.env.LEFTOVER_MODE ?? 'fail';
  const pidsFile = process.env.LEFTOVER_PIDS;
  assert.ok(pidsFile, 'LEFTOVER_PIDS names the file for the pids');
  await startRegistry();
  await launchBrowser();
  if (process.env.LEFTOVER_CODE_SERVER === '1') await startCodeServer();
  fs.writeFileSync(pidsFile, `${process.pid}\n`);
  // End only once the test has seen what this suite started (it writes PIDS.go): ending at once races its snapshot
  // with the reaper, which may stop a server before the test has seen it.
  for (let i = 0; i < 1200 && !fs.existsSync(`${pidsFile}.go`); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
  if (mode === 'hang') await new Promise(() => undefined);
  assert.fail('failing on purpose, with every server still running');
});

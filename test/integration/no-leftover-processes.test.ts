// Nothing a test starts outlives it: a suite that starts a registry, Chromium and code-server and then fails
// (by an assertion, by SIGKILL, or by Ctrl+C) leaves none of them running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../support/eventually';
import { repoRoot } from '../support/cli';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { processesWithEnv } = require('../../scripts/setup/processes.js') as { processesWithEnv(name: string, value: string): { pid: number; cmdline: string }[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { installDir } = require('../../scripts/setup/code-server.js') as { installDir(): string };

const fixture = path.join(repoRoot, 'test', 'support', 'leftovers', 'suite.fixture.ts');
const haveCodeServer = fs.existsSync(path.join(installDir(), '.okd-install-complete'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** What the suite had running when it reported its servers up (the test process and every child). */
  startedByIt: { pid: number; cmdline: string }[];
  runId: string;
}

/** Runs the fixture suite in a node test runner of its own (its own process group, as a terminal would). */
async function runFailingSuite(mode: 'fail' | 'kill' | 'hang', codeServer: boolean): Promise<Run> {
  const runId = randomUUID();
  const pidsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-leftovers-')), 'pids');
  const env: NodeJS.ProcessEnv = { ...process.env, OKD_TEST_RUN: runId, LEFTOVER_MODE: mode, LEFTOVER_PIDS: pidsFile, LEFTOVER_CODE_SERVER: codeServer ? '1' : '0' };
  delete env.OKD_TEST_OWNER;
  delete env.NODE_TEST_CONTEXT; // else the inner runner thinks it runs inside this test file and runs nothing
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-force-exit', fixture], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  let startedByIt: Run['startedByIt'] = [];
  // The suite writes its pid file once everything it starts is up; take the snapshot then, before it ends.
  await eventually(() => fs.existsSync(pidsFile) || child.exitCode !== null, 90_000, 'the suite to start its servers');
  startedByIt = processesWithEnv('OKD_TEST_RUN', runId);
  fs.writeFileSync(`${pidsFile}.go`, ''); // the suite may end now (fail, or SIGKILL itself)
  if (mode === 'hang') {
    assert.ok(fs.existsSync(pidsFile), `the suite started its servers:\n${output}`);
    process.kill(-(child.pid as number), 'SIGINT'); // Ctrl+C: the terminal signals the whole foreground group
  }
  const [code, signal] = await exited;
  return { code, signal, output, startedByIt, runId };
}

async function assertNothingLeft(run: Run, expected: RegExp[]): Promise<void> {
  assert.notEqual(run.code, 0, `the suite failed:\n${run.output}`);
  for (const pattern of expected) {
    assert.ok(run.startedByIt.some((p) => pattern.test(p.cmdline)), `the suite had started ${pattern} (so this check can fail): ${run.startedByIt.map((p) => p.cmdline.slice(0, 80)).join('\n')}`);
  }
  // The reaper stops them after the test process is gone: wait for that, then name whatever is still there.
  await eventually(() => processesWithEnv('OKD_TEST_RUN', run.runId).length === 0, 30_000, 'every process the suite started to be stopped').catch(() => undefined);
  const left = processesWithEnv('OKD_TEST_RUN', run.runId);
  assert.deepEqual(left.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`), [], 'processes left running');
}

describe('no process outlives the test that started it', { timeout: 240_000 }, () => {
  it('a failing test leaves neither its registry nor its Chromium running', async () => {
    const run = await runFailingSuite('fail', false);
    await assertNothingLeft(run, [/docker-registry serve/, /chromium/]);
  });

  it('a test process killed with SIGKILL leaves nothing behind (its reaper stops the rest)', { skip: !haveCodeServer && 'code-server is not installed (npm run setup)' }, async () => {
    const run = await runFailingSuite('kill', true);
    assert.equal(run.signal ?? 'exited', 'exited', 'the runner itself survives its test process');
    await assertNothingLeft(run, [/docker-registry serve/, /chromium/, /code-server.*entry\.js/]);
  });

  it('Ctrl+C during a run leaves nothing behind, code-server in its own process group included', { skip: !haveCodeServer && 'code-server is not installed (npm run setup)' }, async () => {
    const run = await runFailingSuite('hang', true);
    await assertNothingLeft(run, [/docker-registry serve/, /chromium/, /code-server.*entry\.js/]);
  });
});

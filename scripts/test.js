#!/usr/bin/env node
// `npm test`: installs what the tests need (npm run setup), then builds, type-checks, lints and runs every suite
// (unit, integration against real parts, and the extension in a real VS Code) under node's test runner.
// OKD_FRESH=1 puts every cache the project's own installer writes into a new empty folder for this run (what a
// fresh machine sees; the npm and Go download caches stay shared), removed at the end. OKD_SKIP_E2E=1 leaves out
// test/e2e. Afterwards, any process the run started that is still alive is reported, stopped, and fails the run.
'use strict';
const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./ensure');
const { setup } = require('./setup');
const { processesWithEnv, stopProcessesWithEnv } = require('./setup/processes');

function say(message) {
  process.stderr.write(`[npm test] ${message}\n`);
}

/** Runs a step to its end with inherited output; resolves with its exit code. */
function step(title, cmd, args, env) {
  const started = Date.now();
  say(`${title}...`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
    child.once('error', (error) => {
      say(`${title}: could not start: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      say(`${title}: ${code === 0 ? 'done' : `failed (exit ${code ?? signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

/** Waits for the test files' reapers to finish, then stops and names whatever of this run is still alive. */
async function leftoverProcesses(runId) {
  const deadline = Date.now() + 15_000;
  let left = processesWithEnv('OKD_TEST_RUN', runId);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = processesWithEnv('OKD_TEST_RUN', runId);
  }
  if (left.length > 0) await stopProcessesWithEnv('OKD_TEST_RUN', runId);
  return left;
}

async function main() {
  const started = Date.now();
  const runId = randomUUID();
  process.env.OKD_TEST_RUN = runId;
  let fresh;
  if (process.env.OKD_FRESH === '1') {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-fresh-'));
    process.env.OKD_TOOLS_CACHE = path.join(fresh, 'tools');
    say(`OKD_FRESH=1: the tools cache for this run is ${process.env.OKD_TOOLS_CACHE} (new and empty)`);
  }
  // Ctrl+C reaches every process of the foreground group; stop here once the children are done with it.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (interrupted = true));
  let code = 0;
  try {
    const names = process.env.OKD_SKIP_E2E === '1' ? ['debian', 'npm', 'test-cluster'] : undefined;
    await setup(names);
    const node = process.execPath;
    const bin = (file) => path.join(root, 'node_modules', file);
    const steps = [
      ['build (esbuild)', [path.join(root, 'esbuild.js')]],
      ['type-check (tsc --noEmit)', [bin('typescript/bin/tsc'), '--noEmit', '-p', '.']],
      ['lint (eslint)', [bin('eslint/bin/eslint.js'), 'src', 'test', 'bench', 'scripts', 'esbuild.js']],
      ['gofmt (test/cluster)', [path.join(root, 'scripts', 'gofmt-check.js')]],
    ];
    for (const [title, args] of steps) {
      code = await step(title, node, args, process.env);
      if (code !== 0 || interrupted) return;
    }
    const suites = ['test/unit', 'test/integration'];
    if (process.env.OKD_SKIP_E2E !== '1') suites.push('test/e2e');
    code = await step(`tests (${suites.join(', ')})`, node, [path.join(root, 'scripts', 'run-tests.js'), ...suites], process.env);
  } catch (error) {
    say(`error: ${error.message}`);
    code = 1;
  } finally {
    const left = await leftoverProcesses(runId);
    if (left.length > 0) {
      say(`error: ${left.length} process(es) started by the tests were still running and have been stopped:`);
      for (const { pid, cmdline } of left) say(`  ${pid} ${cmdline.slice(0, 200)}`);
      code = code || 1;
    }
    if (fresh) fs.rmSync(fresh, { recursive: true, force: true });
    const total = `${Math.round((Date.now() - started) / 1000)} s`;
    say(code === 0 && !interrupted ? `all suites passed in ${total}` : `failed after ${total}`);
    process.exitCode = interrupted ? 130 : code;
  }
}

let finished = false;
// A pending promise does not keep node alive: if the run ever ends without reaching its end, that is a failure,
// never a silent exit 0.
process.on('exit', (code) => {
  if (!finished && code === 0) {
    say('error: the run ended before its steps finished');
    process.exitCode = 1;
  }
});
main().finally(() => (finished = true));

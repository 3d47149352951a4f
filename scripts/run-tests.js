#!/usr/bin/env node
// Runs node's test runner over *.test.ts files under the given folders (TypeScript through tsx), printing the
// runner's own summary. Usage: node scripts/run-tests.js test/unit [test/integration ...] [--only PATTERN]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args.splice(onlyIndex, 2)[1] : undefined;
const roots = args.length ? args : ['test/unit', 'test/integration'];

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.name.endsWith('.test.ts') && (!only || full.includes(only))) out.push(full);
  }
  return out;
}

const files = roots.flatMap((root) => collect(root, [])).sort();
if (files.length === 0) {
  console.error(`no *.test.ts files under ${roots.join(', ')}`);
  process.exit(1);
}
// --test-force-exit: a test file that forgot to stop a server ends when its tests do instead of hanging the run;
// its reaper (test/support/processes.ts) then stops what it left.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-force-exit', `--test-concurrency=${process.env.OKD_TEST_CONCURRENCY ?? 2}`, ...files],
  { stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);

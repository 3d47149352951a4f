#!/usr/bin/env node
// `npm run setup`: installs, serially and once, everything the tests and the sandbox need: Debian packages (as
// root), npm packages, then the tools kept outside node_modules in the tools cache (code-server with its Node 24,
// the test cluster built from test/cluster).
// npm test and npm start run it first; test files only look for what it installed. One line per step, with its time.
// Usage: node scripts/setup.js [--only debian,npm,code-server,test-cluster]
'use strict';
const { ensureDebianPackages, ensureNodeModules } = require('./ensure');
const { toolsCacheDir } = require('./setup/install-step');

const STEPS = {
  debian: () => ensureDebianPackages(),
  npm: () => ensureNodeModules(),
  // Required lazily: these need nothing from node_modules, but keep setup's first steps free of them.
  'code-server': () => require('./setup/code-server').ensureCodeServer(),
  'test-cluster': () => require('./setup/test-cluster').ensureTestCluster(),
};

async function setup(names = Object.keys(STEPS)) {
  const started = Date.now();
  process.stderr.write(`[setup] tools cache ${toolsCacheDir()}\n`);
  for (const name of names) {
    if (!STEPS[name]) throw new Error(`no setup step "${name}"; steps: ${Object.keys(STEPS).join(', ')}`);
    await STEPS[name]();
  }
  process.stderr.write(`[setup] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

module.exports = { setup, STEPS };

if (require.main === module) {
  const onlyIndex = process.argv.indexOf('--only');
  const names = onlyIndex >= 0 ? process.argv[onlyIndex + 1].split(',') : undefined;
  let finished = false;
  // A pending promise does not keep node alive: ending before the last step is a failure, never a silent exit 0.
  process.on('exit', (code) => {
    if (!finished && code === 0) {
      process.stderr.write('[setup] error: setup ended before its steps finished\n');
      process.exitCode = 1;
    }
  });
  setup(names).then(
    () => (finished = true),
    (error) => {
      finished = true;
      process.stderr.write(`[setup] error: ${error.message}\n`);
      process.exit(1);
    },
  );
}

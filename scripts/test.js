#!/usr/bin/env node
// `npm test`: installs what the tests need, then builds, type-checks, lints and runs every suite
// (unit, integration against real parts, and the extension in a real VS Code) under node's test runner.
const { ensureDebianPackages, ensureNodeModules, run } = require('./ensure');

ensureDebianPackages();
ensureNodeModules();
const started = Date.now();
run(process.execPath, ['esbuild.js']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
run(process.execPath, ['node_modules/eslint/bin/eslint.js', 'src', 'test', 'bench', 'scripts', 'esbuild.js']);
const suites = ['test/unit', 'test/integration'];
if (process.env.OKD_SKIP_E2E !== '1') suites.push('test/e2e');
run(process.execPath, ['scripts/run-tests.js', ...suites]);
console.error(`npm test: all suites passed in ${Math.round((Date.now() - started) / 1000)} s`);

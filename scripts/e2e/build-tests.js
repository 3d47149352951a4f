#!/usr/bin/env node
// Bundles the extension-host test index and every test/e2e/exthost/suites/*.suite.ts into an output folder
// (default: a new temp dir), with `vscode` external. Mocha stays external too: its absolute path in this repo's
// node_modules is baked into the index, so the bundle can live anywhere.
// Usage: node scripts/e2e/build-tests.js [OUT_DIR]   (prints the path of the built index.js on stdout)
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const sourceDir = path.join(repoRoot, 'test', 'e2e', 'exthost');

async function buildExtensionHostTests(outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-exthost-'))) {
  const suitesDir = path.join(sourceDir, 'suites');
  const suites = fs.readdirSync(suitesDir).filter((f) => f.endsWith('.suite.ts')).map((f) => path.join(suitesDir, f));
  if (suites.length === 0) throw new Error(`no *.suite.ts files in ${suitesDir}`);
  await esbuild.build({
    entryPoints: [path.join(sourceDir, 'index.ts'), ...suites],
    outbase: sourceDir,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    define: { __OKD_MOCHA_PATH__: JSON.stringify(require.resolve('mocha', { paths: [repoRoot] })) },
    logLevel: 'warning',
  });
  return path.join(outDir, 'index.js');
}

module.exports = { buildExtensionHostTests };

if (require.main === module) {
  buildExtensionHostTests(process.argv[2] && path.resolve(process.argv[2]))
    .then((index) => process.stdout.write(`${index}\n`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}

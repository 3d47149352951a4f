#!/usr/bin/env node
// `npm run package`: a .vsix built from a clean staging folder (package.json, README, LICENSE, media and the
// production bundles only), so nothing from the work tree (sources, maps, caches) can slip in.
// Usage: node scripts/package.js [--out FILE]   (default dist/okd-operator-dev.vsix)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outIndex = process.argv.indexOf('--out');
const out = path.resolve(outIndex >= 0 ? process.argv[outIndex + 1] : path.join(root, 'dist', 'okd-operator-dev.vsix'));

function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`package: ${path.basename(cmd)} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-package-'));
try {
  for (const file of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) fs.copyFileSync(path.join(root, file), path.join(stage, file));
  fs.cpSync(path.join(root, 'media'), path.join(stage, 'media'), { recursive: true });
  run(process.execPath, [path.join(root, 'esbuild.js'), '--production', '--outdir', path.join(stage, 'dist')], root);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  run(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', out], stage);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}

#!/usr/bin/env node
// Runs the same extension-host suites (test/e2e/exthost) in desktop VS Code through @vscode/test-electron, for
// machines that can download VS Code or have one installed (VSCODE_EXECUTABLE=/path/to/code). CI here uses
// code-server instead (node scripts/run-tests.js test/e2e), since VS Code's download servers are unreachable.
// Usage: node scripts/e2e/run-desktop.js [--version stable|insiders|1.x.y]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { downloadAndUnzipVSCode, runTests } = require('@vscode/test-electron');
const { buildExtensionHostTests } = require('./build-tests');

const repoRoot = path.resolve(__dirname, '..', '..');

async function main() {
  const versionIndex = process.argv.indexOf('--version');
  const version = versionIndex > 0 ? process.argv[versionIndex + 1] : 'stable';

  const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('node esbuild.js failed: fix the build first');

  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    console.error(`[run-desktop] downloading VS Code ${version} (set VSCODE_EXECUTABLE to use an installed one)`);
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version, timeout: 15_000 });
    } catch (error) {
      throw new Error(
        `could not download VS Code ${version}: ${error?.message ?? error}\n` +
          'This machine cannot reach VS Code\'s download servers. Run the same suites in code-server instead: ' +
          'node scripts/run-tests.js test/e2e (or set VSCODE_EXECUTABLE to a local VS Code).',
      );
    }
  }

  const index = await buildExtensionHostTests();
  const outDir = path.dirname(index);
  const resultsFile = path.join(outDir, 'results.json');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-desktop-'));
  const workspace = path.join(scratch, 'workspace');
  fs.mkdirSync(workspace);
  let exitCode = 1;
  try {
    exitCode = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: index,
      extensionTestsEnv: { OKD_E2E_RESULTS_FILE: resultsFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(scratch, 'user-data')],
    }).catch(() => 1);
    if (fs.existsSync(resultsFile)) {
      const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
      console.log(`${results.passed} passed, ${results.failed} failed, ${results.pending} skipped`);
      if (results.failed > 0 || results.passed === 0) exitCode = 1;
    } else {
      console.error('[run-desktop] the extension host wrote no results: run() never ran or crashed early');
      exitCode = 1;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(`[run-desktop] error: ${error?.message ?? error}`);
  process.exit(1);
});

// One command for the whole end-to-end layer: build the extension, install code-server if the cache lacks it,
// then run test/e2e/*.test.ts (extension-host suites and UI scenarios) under node's test runner.
// Usage: node --import tsx test/e2e/run.ts [--only PATTERN]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './support/codeServer';

function step(title: string, action: () => void): void {
  const started = Date.now();
  process.stderr.write(`[e2e] ${title}\n`);
  action();
  process.stderr.write(`[e2e] ${title}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

step('building the extension (node esbuild.js)', () => {
  const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('[e2e] error: node esbuild.js failed; the e2e tests need dist/extension.js\n');
    process.exit(1);
  }
});
step('installing code-server if needed (npm run setup)', () => {
  const setup = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'setup.js'), '--only', 'code-server'], { stdio: 'inherit' });
  if (setup.status !== 0) process.exit(1);
});

const passThrough = process.argv.slice(2);
const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'run-tests.js'), 'test/e2e', ...passThrough], {
  cwd: repoRoot,
  stdio: 'inherit',
  // The bundle was just built: the test files must not rebuild it while the other one runs.
  env: { ...process.env, OKD_E2E_SKIP_BUILD: '1' },
});
process.exit(result.status ?? 1);

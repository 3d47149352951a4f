// Builds the extension bundle (dist/extension.js) once for all e2e test files, which the runner starts in
// parallel: a lock directory serialises the builds and a freshness check makes the second one a no-op, so no
// extension host ever reads a half-written bundle.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './codeServer';

const bundle = path.join(repoRoot, 'dist', 'extension.js');
const lockDir = path.join(os.tmpdir(), `okd-e2e-build-${Buffer.from(repoRoot).toString('hex').slice(-32)}.lock`);

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!fs.existsSync(bundle)) return false;
  const inputs = Math.max(newestSourceMtime(path.join(repoRoot, 'src')), fs.statSync(path.join(repoRoot, 'esbuild.js')).mtimeMs);
  return fs.statSync(bundle).mtimeMs >= inputs;
}

function lockTime(): number | undefined {
  try {
    return fs.statSync(lockDir).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** OKD_E2E_SKIP_BUILD=1 uses dist/ as it is (e.g. a production bundle built by CI beforehand). */
export async function buildExtension(): Promise<void> {
  if (process.env.OKD_E2E_SKIP_BUILD === '1') {
    if (!fs.existsSync(bundle)) throw new Error(`OKD_E2E_SKIP_BUILD=1 but ${bundle} does not exist: run npm run build`);
    return;
  }
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than two minutes belongs to a run that died. It may also be gone already: the other build
      // finished between our mkdir and this look.
      const heldSince = lockTime();
      if (heldSince === undefined) continue;
      if (Date.now() - heldSince > 120_000) fs.rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (isFresh()) return;
    const result = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`node esbuild.js failed (${result.status}):\n${result.stdout}${result.stderr}`);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

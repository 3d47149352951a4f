/**
 * bench/extension: the extension's own costs, in one run on this machine.
 *
 *   node --import tsx bench/extension.ts
 *
 * Prints progress on stderr and, as its last line, {"activateMs", "bundleBytes", "hoverP99Ms", "expandMs"}:
 * - activateMs: in the real extension host (code-server), from the first statement of dist/extension.js to the end
 *   of activate(), as the extension logs it ("activated in N ms"); median over 5 fresh editor starts;
 * - bundleBytes: dist/extension.js as packaged (`node esbuild.js --production`);
 * - hoverP99Ms: hover lookup from the in-memory index over 10 releases of 146 components (bench/extension-hover);
 * - expandMs: in the UI, from clicking a release whose model is in the disk cache to its operators' rows being
 *   shown (its Operators group opens expanded), median over the 5 starts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchBrowser } from '../test/e2e/support/browser';
import { repoRoot, startCodeServer } from '../test/e2e/support/codeServer';
import { openViewContainer, openWorkbench, screenshot, treeRow } from '../test/e2e/support/ui';
import { startWorld } from '../test/e2e/support/world';
import { cliEnv, runCli } from '../test/support/cli';
import { measureHoverLookup } from './extension-hover';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

function findFiles(dir: string, pattern: RegExp, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findFiles(full, pattern, out);
    else if (pattern.test(entry.name)) out.push(full);
  }
  return out;
}

async function activationFromLog(root: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const file of findFiles(root, /OKD\.log$/)) {
      const text = fs.readFileSync(file, 'utf8');
      log(text.split('\n').filter((l) => l.includes('activated in') || l.includes('releases: read')).join('\n'));
      const match = text.match(/activated in ([\d.]+) ms/);
      if (match) return Number(match[1]);
    }
    if (Date.now() > deadline) throw new Error(`no "activated in" line in an OKD log under ${root}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['esbuild.js', '--production'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('node esbuild.js --production failed');
  const bundleBytes = fs.statSync(path.join(repoRoot, 'dist', 'extension.js')).size;
  log(`dist/extension.js (production): ${bundleBytes} bytes`);

  const hover = await measureHoverLookup();
  log(`hover lookup: p50 ${hover.hoverP50Ms.toFixed(3)} ms, p99 ${hover.hoverP99Ms.toFixed(3)} ms over ${hover.hovers} hovers`);

  const world = await startWorld();
  const activations: number[] = [];
  const expands: number[] = [];
  try {
    const pinned = (world.settings['okd.pinnedReleases'] as string[])[0] as string;
    const cacheDir = world.settings['okd.cacheDir'] as string;
    // Put the pinned release in the disk cache, as a previous session (or `okd-dev release info`) would have.
    const warm = await runCli(['release', 'info', pinned, '--insecure'], cliEnv({ OKD_DEV_CACHE_DIR: cacheDir }));
    if (warm.code !== 0) throw new Error(warm.stderr);
    const label = pinned.slice(pinned.lastIndexOf(':') + 1);
    for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
      const server = await startCodeServer({ workspace: world.workspace, extensionDevelopmentPath: repoRoot, settings: world.settings, env: world.env });
      const browser = await launchBrowser();
      try {
        await openWorkbench(browser.page, server.workbenchUrl());
        await openViewContainer(browser.page, 'OKD');
        const row = treeRow(browser.page, label);
        await row.waitFor({ state: 'visible', timeout: 60_000 });
        const started = performance.now();
        await row.click();
        // Pinned (level 1) > release (2) > Operators (3, expanded by default) > an operator (4).
        await browser.page.locator('.part.sidebar .monaco-list-row[aria-level="4"]').first().waitFor({ state: 'visible', timeout: 60_000 });
        expands.push(performance.now() - started);
        activations.push(await activationFromLog(server.userDataDir));
        log(`round ${round + 1}: activate ${activations[round]?.toFixed(1)} ms, expand to operators ${expands[round]?.toFixed(0)} ms`);
      } catch (err) {
        log(`failure screenshot: ${await screenshot(browser.page, 'bench-extension-failure')}`);
        throw err;
      } finally {
        await browser.close();
        await server.stop();
      }
    }
  } finally {
    await world.stop();
  }
  process.stdout.write(
    `${JSON.stringify({
      activateMs: +median(activations).toFixed(1),
      bundleBytes,
      hoverP99Ms: +hover.hoverP99Ms.toFixed(3),
      expandMs: Math.round(median(expands)),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/extension failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

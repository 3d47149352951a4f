// Runs the mocha suites of test/e2e/exthost inside code-server's real extension host, the way
// @vscode/test-electron does on a desktop: the smoke-test driver reads `extensionDevelopmentPath` and
// `extensionTestsPath` from the URL payload, and the page calls codeAutomationExit(code) when run() settles.
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser } from './browser';
import { repoRoot, startCodeServer } from './codeServer';
import type { ExtensionHostResults } from '../exthost/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildExtensionHostTests } = require(path.join(repoRoot, 'scripts', 'e2e', 'build-tests.js')) as {
  buildExtensionHostTests(outDir?: string): Promise<string>;
};

export type { ExtensionHostResults };

export interface ExtensionHostRun {
  exitCode: number;
  results: ExtensionHostResults;
  timings: { buildMs: number; serverReadyMs: number; testsMs: number };
  /** Browser console lines (the extension host's console is forwarded there), for diagnosing failures. */
  console: string[];
}

export interface ExtensionHostRunOptions {
  extensionDevelopmentPath?: string;
  /** Only tests whose full title matches (mocha grep). */
  grep?: string;
  timeoutMs?: number;
  /** User settings for the server (okd.* pointing at the sandbox). */
  settings?: Record<string, unknown>;
  /** Extra environment for the extension host (OKD_E2E_SANDBOX for the suites). */
  env?: NodeJS.ProcessEnv;
  workspace?: string;
  /** A bundle of your own exporting run() (bench/ measurements in the host), used instead of the suites. */
  index?: string;
}

export async function runExtensionHostTests(options: ExtensionHostRunOptions = {}): Promise<ExtensionHostRun> {
  const extensionDevelopmentPath = options.extensionDevelopmentPath ?? repoRoot;
  const buildStarted = Date.now();
  const index = options.index ?? (await buildExtensionHostTests());
  const outDir = path.dirname(index);
  const resultsFile = path.join(outDir, 'results.json');
  const buildMs = Date.now() - buildStarted;

  const server = await startCodeServer({
    smokeTestDriver: true,
    env: { ...options.env, OKD_E2E_RESULTS_FILE: resultsFile, ...(options.grep ? { OKD_E2E_GREP: options.grep } : {}) },
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.workspace ? { workspace: options.workspace } : {}),
  });
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const consoleLines: string[] = [];
  try {
    const { page } = browser;
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    let exited: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (exited = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      exited(Number(code));
    });
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', server.remoteUri(extensionDevelopmentPath)],
      ['extensionTestsPath', server.remoteUri(index)],
    ]);
    const testsStarted = Date.now();
    await page.goto(server.folderUrl(server.workspace, { payload }));
    const timeoutMs = options.timeoutMs ?? 180_000;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exitCode,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`extension-host tests did not finish within ${timeoutMs} ms\n${consoleLines.slice(-40).join('\n')}`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const testsMs = Date.now() - testsStarted;
    if (!fs.existsSync(resultsFile)) {
      throw new Error(
        `extension host exited with ${code} but wrote no ${resultsFile}: run() never ran or crashed early.\n` +
          `Browser console:\n${consoleLines.slice(-60).join('\n')}\ncode-server output:\n${server.output().slice(-4000)}`,
      );
    }
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as ExtensionHostResults;
    return { exitCode: code, results, timings: { buildMs, serverReadyMs: server.startupMs, testsMs }, console: consoleLines };
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

// Entry point that VS Code's extension host loads as `extensionTestsPath`: runs every bundled *.suite.js beside
// this file with mocha and writes the outcome to results.json next to it, because the extension host's console
// only reaches the browser, not the process that started the run.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';

// Absolute path baked in by scripts/e2e/build-tests.js: the bundle lives in a temp dir, so a bare
// require('mocha') would not resolve from there.
declare const __OKD_MOCHA_PATH__: string;

export interface ExtensionHostResults {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  failures: { title: string; error: string }[];
  /** The spec reporter's lines, for printing on the Node side. */
  output: string[];
}

export async function run(): Promise<void> {
  // A non-literal path keeps esbuild from bundling mocha (whose worker files it cannot bundle).
  const mochaPath = process.env.OKD_E2E_MOCHA_PATH || __OKD_MOCHA_PATH__;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require(mochaPath) as typeof import('mocha');
  const resultsFile = process.env.OKD_E2E_RESULTS_FILE || path.join(__dirname, 'results.json');
  const output: string[] = [];
  const Base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void; useColors: boolean };
  const originalLog = Base.consoleLog;
  Base.useColors = false;
  Base.consoleLog = (...args: unknown[]) => {
    output.push(util.format(...args));
    originalLog(...args);
  };

  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 60_000, color: false });
  const grep = process.env.OKD_E2E_GREP;
  if (grep) mocha.grep(grep);
  const suitesDir = path.join(__dirname, 'suites');
  for (const file of fs.readdirSync(suitesDir).filter((f) => f.endsWith('.suite.js')).sort()) {
    mocha.addFile(path.join(suitesDir, file));
  }

  const started = Date.now();
  const results: ExtensionHostResults = { passed: 0, failed: 0, pending: 0, durationMs: 0, failures: [], output };
  try {
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => results.passed++);
      runner.on('pending', () => results.pending++);
      runner.on('fail', (test, error: Error) => {
        results.failed++;
        results.failures.push({ title: test.fullTitle(), error: error?.stack ?? String(error) });
      });
    });
  } catch (error) {
    results.failed++;
    results.failures.push({ title: 'loading the suites', error: (error as Error)?.stack ?? String(error) });
  } finally {
    Base.consoleLog = originalLog;
    results.durationMs = Date.now() - started;
    fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  }
  if (results.failed > 0) throw new Error(`${results.failed} extension-host test(s) failed`);
}

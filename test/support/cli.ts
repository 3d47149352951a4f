import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ownerEnv } from './processes';

export const repoRoot = path.resolve(__dirname, '../..');
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

/** Builds dist/ when it is missing (npm test builds it before the suites run). */
export function ensureBuilt(): void {
  if (fs.existsSync(cliPath)) return;
  const result = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('node esbuild.js failed');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A clean environment for the CLI: its own HOME and cache, no credentials from the real machine. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-cli-home-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, OKD_DEV_CACHE_DIR: path.join(home, 'cache'), LANG: 'C.UTF-8', ...ownerEnv() };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `okd-dev ARGS` as a user would (a separate node process on dist/cli.js). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = cliEnv(), timeoutMs = 60_000): Promise<CliResult> {
  ensureBuilt();
  return runProcess(process.execPath, [cliPath, ...args], env, timeoutMs, `okd-dev ${args.join(' ')}`);
}

/** Runs a program to its end with output collected, timing the whole process; asynchronous, never spawnSync. */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000, what = `${command} ${args.join(' ')}`): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started });
    });
  });
}

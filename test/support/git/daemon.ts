import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { watchOwnedProcesses } from '../processes';
import { freePort } from '../registry/registry';

export interface GitDaemon {
  /** `git://127.0.0.1:PORT/`. */
  url: string;
  /** The folder it serves: `<base>/<org>/<repo>.git` is `git://.../<org>/<repo>.git`. */
  base: string;
  /**
   * Git configuration, as environment (GIT_CONFIG_COUNT/KEY/VALUE), that sends `https://github.com/` to this daemon:
   * git's own `url.<base>.insteadOf`, never the user's global configuration. No system config either.
   */
  env: Record<string, string>;
  /** Fetches and clones the daemon served (`Request upload-pack for ...` in its log), to tell whether a run went to the network. */
  uploadPacks(): number;
  stop(): Promise<void>;
}

/** Runs Debian's `git daemon` (package git) on loopback, serving bare repositories under `base`, standing in for github.com. */
export async function startGitDaemon(base = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-git-daemon-'))): Promise<GitDaemon> {
  const port = await freePort();
  watchOwnedProcesses();
  const child: ChildProcess = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', '--verbose', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitForPort(port, child, () => log);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const url = `git://127.0.0.1:${port}/`;
  return {
    url,
    base,
    env: {
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.${url}.insteadOf`,
      GIT_CONFIG_VALUE_0: 'https://github.com/',
    },
    uploadPacks: () => (log.match(/Request upload-pack for /g) ?? []).length,
    stop,
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`git daemon exited (${child.exitCode}): ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`git daemon did not listen on ${port} within 30 s: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Starts and stops a real VS Code (code-server) for end-to-end tests. Each server gets its own HOME, user data,
// extensions folder and config in a temp dir, runs in its own process group, and is stopped by signalling the whole
// group: a plain kill of the leader leaves the file watcher and extension host behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { watchOwnedProcesses } from '../../support/processes';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

interface InstallLayout {
  dir: string;
  node: string;
  codeServerEntry: string;
}
// A plain CommonJS script (npm run setup installs with it, before any test runs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const installer = require(path.join(repoRoot, 'scripts', 'setup', 'code-server.js')) as { findCodeServer(): InstallLayout };

export interface CodeServerOptions {
  /** Folder opened in the workbench; a fresh empty temp folder when omitted. */
  workspace?: string;
  /** .vsix files installed into this server's extensions folder before it starts. */
  installExtensions?: string[];
  /** Turns on the smoke-test driver so a `payload` URL parameter can run extension tests. */
  smokeTestDriver?: boolean;
  /**
   * Loads the extension from this folder (like F5 in VS Code) in every window opened with workbenchUrl().
   * Implies smokeTestDriver: the URL payload that carries it is ignored otherwise.
   */
  extensionDevelopmentPath?: string;
  /** Extra environment for the server and so for its extension host. */
  env?: NodeJS.ProcessEnv;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** User settings added to the quiet defaults (e.g. okd.* pointing at a sandbox). */
  settings?: Record<string, unknown>;
  /** How long to wait for the server to answer; default 60 s. */
  readyTimeoutMs?: number;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly workspace: string;
  /** The server's user data folder (settings, logs of the extension host and output channels). */
  readonly userDataDir: string;
  /** Milliseconds from spawn to the first successful HTTP answer. */
  readonly startupMs: number;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** URL that opens `folder` (default: the workspace) in the workbench. */
  folderUrl(folder?: string, extraQuery?: Record<string, string>): string;
  /** URL that opens the workspace, with the extension under development loaded if one was given. */
  workbenchUrl(): string;
  /** A `vscode-remote://` URI for a path on this server, as the smoke-test payload expects. */
  remoteUri(absolutePath: string): string;
  stop(): Promise<void>;
}

/** The code-server that `npm run setup` installed; throws, naming that command, when it has not. */
export function findCodeServer(): InstallLayout {
  return installer.findCodeServer();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const liveGroups = new Set<number>();
// Last resort if a test forgets stop() or the process is interrupted: never leave a server running.
function killLiveGroups(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}
process.once('exit', killLiveGroups);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killLiveGroups();
    process.exit(130);
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const install = findCodeServer();
  watchOwnedProcesses();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-code-server-'));
  const home = path.join(root, 'home');
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const workspace = options.workspace ?? path.join(root, 'workspace');
  for (const dir of [home, userDataDir, extensionsDir, workspace]) fs.mkdirSync(dir, { recursive: true });
  // VS Code's server gives its extension host the environment of a login shell (`$SHELL -il`), which reads this
  // HOME's profile, not the caller's: without it a PATH set in the caller's own ~/.bashrc (Go in /usr/local/go/bin)
  // is lost, and Build, Push & Patch finds no `go`. The profile hands the caller's PATH on, as their shell would.
  const quoted = `'${(process.env.PATH ?? '').replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(path.join(home, '.profile'), `export PATH=${quoted}\n`);
  // Quiet, deterministic workbench: no welcome page, no trust prompt, no telemetry banner.
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'window.commandCenter': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        ...options.settings,
      },
      null,
      2,
    ),
  );

  const port = options.port ?? (await freePort());
  const configFile = path.join(root, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    ...options.env,
  };
  // The tsx loader of the test process must not leak into code-server's Node 24.
  delete env.NODE_OPTIONS;
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  for (const vsix of options.installExtensions ?? []) {
    const result = spawnSync(install.node, [install.codeServerEntry, ...common, '--install-extension', vsix], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) {
      throw new Error(`code-server --install-extension ${vsix} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
    }
  }

  const args = [
    install.codeServerEntry,
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...(options.smokeTestDriver || options.extensionDevelopmentPath ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    workspace,
  ];
  const started = Date.now();
  // detached: the child calls setsid(), so its pid is the process group id of everything it starts.
  const child = spawn(install.node, args, { env, cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start code-server with ${install.node}`);
  liveGroups.add(pgid);
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (!liveGroups.has(pgid)) return;
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      // group already gone
    }
    const deadline = Date.now() + 5000;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(pgid)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone between the check and the kill
      }
      while (groupAlive(pgid)) await new Promise((r) => setTimeout(r, 50));
    }
    liveGroups.delete(pgid);
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    await waitForHttp(`${url}/healthz`, child, options.readyTimeoutMs ?? 60_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const startupMs = Date.now() - started;
  const remoteUri = (absolutePath: string): string => `vscode-remote://127.0.0.1:${port}${absolutePath}`;
  const folderUrl = (folder = workspace, extraQuery: Record<string, string> = {}): string =>
    `${url}/?${new URLSearchParams({ folder, ...extraQuery }).toString()}`;

  return {
    url,
    port,
    workspace,
    userDataDir,
    startupMs,
    output: () => output,
    folderUrl,
    remoteUri,
    workbenchUrl() {
      if (!options.extensionDevelopmentPath) return folderUrl();
      const payload = [['extensionDevelopmentPath', remoteUri(options.extensionDevelopmentPath)]];
      return folderUrl(workspace, { payload: JSON.stringify(payload) });
    },
    stop,
  };
}

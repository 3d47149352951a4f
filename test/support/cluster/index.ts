// The test cluster: a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler v1.37) in
// one Go process built from test/cluster by `npm run setup`. Started per test file on free loopback ports, with a
// kubeconfig (contexts admin, admin-token, viewer), and hooks that go through the process: restart the API server,
// compact etcd. Stopped by stop(), and by its reaper if the test process dies (it also exits when its stdin closes).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { watchOwnedProcesses } from '../processes';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findTestCluster } = require('../../../scripts/setup/test-cluster.js') as { findTestCluster(): string };

export interface ReadyLine {
  ready: boolean;
  error?: string;
  url: string;
  kubeconfig: string;
  caFile: string;
  tokens: { admin: string; viewer: string };
  etcd: string;
  admin: string;
  pid: number;
  version: string;
  startMs: number;
  /** With --image-registry: the default route (`127.0.0.1:PORT`) and the internal hostname. */
  imageRegistry?: { route: string; internal: string; backend: string };
}

export interface StartClusterOptions {
  /** Extra arguments for okd-test-cluster (e.g. `--apiserver-arg=--watch-cache=false`). */
  args?: string[];
  readyTimeoutMs?: number;
}

export interface Cluster {
  url: string;
  kubeconfigPath: string;
  caFile: string;
  /** PEM of the CA, base64 as in a kubeconfig's certificate-authority-data. */
  caData: string;
  tokens: { admin: string; viewer: string };
  /** The Kubernetes release the server reports (`v1.37.2`). */
  version: string;
  ready: ReadyLine;
  /** Everything the process wrote on stderr (its logs), for failure messages. */
  logs(): string;
  /** Stops the API server (every open connection with it) and starts it again on the same port, etcd kept. */
  restartApiServer(options?: { downMs?: number }): Promise<void>;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** Compacts etcd at its current revision: older resourceVersions are gone (410 once the watch cache is too). */
  compactEtcd(): Promise<void>;
  /** POST to an admin endpoint of the process (the OKD parts' hooks). */
  admin(method: 'GET' | 'POST' | 'DELETE', pathAndQuery: string, body?: string): Promise<string>;
  stop(): Promise<void>;
}

function readReadyLine(child: ChildProcess, timeoutMs: number, logs: () => string): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the test cluster was not ready within ${timeoutMs} ms:\n${logs().slice(-4000)}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.once('exit', (code, signal) => fail(new Error(`the test cluster exited (${code ?? signal}) before it was ready:\n${logs().slice(-4000)}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        const line = JSON.parse(out.slice(0, newline)) as ReadyLine;
        if (!line.ready) return reject(new Error(`the test cluster failed to start: ${line.error ?? 'no reason given'}\n${logs().slice(-4000)}`));
        resolve(line);
      } catch (error) {
        reject(new Error(`the test cluster printed no ready line: ${out.slice(0, 500)} (${String(error)})`));
      }
    });
  });
}

export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const binary = findTestCluster();
  watchOwnedProcesses();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-test-cluster-'));
  const args = ['--data-dir', path.join(dir, 'data'), '--kubeconfig-out', path.join(dir, 'kubeconfig'), '--exit-on-stdin-close', ...(options.args ?? [])];
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-200_000);
  });
  const logs = () => stderr;
  let ready: ReadyLine;
  try {
    ready = await readReadyLine(child, options.readyTimeoutMs ?? 120_000, logs);
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const admin = async (method: 'GET' | 'POST' | 'DELETE', pathAndQuery: string, body?: string): Promise<string> => {
    const response = await fetch(`${ready.admin}${pathAndQuery}`, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(120_000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`test cluster admin ${method} ${pathAndQuery}: ${response.status} ${text}`);
    return text;
  };
  let stopped = false;
  return {
    url: ready.url,
    kubeconfigPath: ready.kubeconfig,
    caFile: ready.caFile,
    caData: fs.readFileSync(ready.caFile).toString('base64'),
    tokens: ready.tokens,
    version: ready.version,
    ready,
    logs,
    admin,
    async restartApiServer(o = {}) {
      await admin('POST', `/restart-apiserver${o.downMs ? `?downMs=${o.downMs}` : ''}`);
    },
    async stopApiServer() {
      await admin('POST', '/stop-apiserver');
    },
    async startApiServer() {
      await admin('POST', '/start-apiserver');
    },
    async compactEtcd() {
      await admin('POST', '/compact-etcd');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

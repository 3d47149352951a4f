import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { httpRequest } from '../../../src/core/http';
import { watchOwnedProcesses } from '../processes';
import { makeSelfSignedCert } from './certs';
import { type ProxyCounters, type TcpProxy, startTcpProxy } from './proxy';
import { type TokenServer, startTokenServer } from './token-server';

export interface StartRegistryOptions {
  tls?: boolean;
  auth?: 'none' | 'basic' | 'token';
  /** Put a counting TCP proxy in front; `host` is then the proxy's. */
  proxy?: boolean;
  /** Port for the registry (the proxy's when proxy: true); default a free one. */
  port?: number;
  /** Token lifetime in seconds for `auth: 'token'`. */
  tokenExpiresIn?: number;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` (the proxy's when proxy: true). */
  host: string;
  /** The registry itself, bypassing the proxy (for tools whose traffic is not being counted). */
  directHost: string;
  /** `http(s)://host`. */
  url: string;
  /** The self-signed certificate (PEM), when tls. */
  caFile?: string;
  /** A directory holding `ca.crt`, for skopeo's --cert-dir. */
  certDir?: string;
  username?: string;
  password?: string;
  /** A containers auth.json with the credentials, when auth is not 'none'. */
  authFile?: string;
  /** The registry's storage root (to corrupt blobs in tests). */
  storageDir: string;
  tokenServer?: TokenServer;
  counters: ProxyCounters;
  resetNextConnections(n: number): void;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Runs Debian's docker-registry (distribution 2.8) on 127.0.0.1 with its own config, storage and auth. */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-registry-'));
  const storageDir = path.join(dir, 'storage');
  fs.mkdirSync(storageDir);
  const auth = opts.auth ?? 'none';
  const username = 'okd-user';
  const password = 'okd-p@ss:word';
  const port = opts.port && !opts.proxy ? opts.port : await freePort();
  const cert = opts.tls || auth === 'token' ? makeSelfSignedCert(dir) : undefined;
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(storageDir)}}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: okd-test-secret',
  ];
  if (opts.tls && cert) lines.push(`  tls: {certificate: ${JSON.stringify(cert.certFile)}, key: ${JSON.stringify(cert.keyFile)}}`);
  let tokenServer: TokenServer | undefined;
  if (auth === 'basic') {
    const htpasswd = path.join(dir, 'htpasswd');
    fs.writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', username, password]));
    lines.push(`auth: {htpasswd: {realm: okd-test, path: ${JSON.stringify(htpasswd)}}}`);
  } else if (auth === 'token' && cert) {
    tokenServer = await startTokenServer({
      cert,
      tls: !!opts.tls,
      service: 'okd-test-registry',
      issuer: 'okd-test-issuer',
      username,
      password,
      ...(opts.tokenExpiresIn ? { expiresIn: opts.tokenExpiresIn } : {}),
    });
    lines.push(
      `auth: {token: {realm: ${JSON.stringify(tokenServer.realm)}, service: okd-test-registry, issuer: okd-test-issuer, rootcertbundle: ${JSON.stringify(cert.certFile)}}}`,
    );
  }
  const configFile = path.join(dir, 'config.yml');
  fs.writeFileSync(configFile, lines.join('\n') + '\n');

  watchOwnedProcesses();
  const child: ChildProcess = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const scheme = opts.tls ? 'https' : 'http';
  try {
    await waitUntilAnswers(`${scheme}://127.0.0.1:${port}/v2/`, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    await tokenServer?.stop();
    throw err;
  }

  let proxy: TcpProxy | undefined;
  if (opts.proxy) proxy = await startTcpProxy(port, opts.port);
  const host = `127.0.0.1:${proxy ? proxy.port : port}`;
  let certDir: string | undefined;
  if (cert) {
    certDir = path.join(dir, 'certs.d');
    fs.mkdirSync(certDir);
    fs.copyFileSync(cert.certFile, path.join(certDir, 'ca.crt'));
  }
  let authFile: string | undefined;
  if (auth !== 'none') {
    authFile = path.join(dir, 'auth.json');
    const encoded = Buffer.from(`${username}:${password}`).toString('base64');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [host]: { auth: encoded } } }, null, 2));
  }
  const counters: ProxyCounters = proxy?.counters ?? { bytesToClient: 0, bytesFromClient: 0, connections: 0 };
  return {
    host,
    directHost: `127.0.0.1:${port}`,
    url: `${scheme}://${host}`,
    ...(cert ? { caFile: cert.certFile } : {}),
    ...(certDir ? { certDir } : {}),
    ...(auth !== 'none' ? { username, password } : {}),
    ...(authFile ? { authFile } : {}),
    ...(tokenServer ? { tokenServer } : {}),
    storageDir,
    counters,
    resetNextConnections(n: number) {
      if (!proxy) throw new Error('resetNextConnections needs startRegistry({proxy: true})');
      proxy.resetNextConnections(n);
    },
    async stop() {
      await proxy?.stop();
      await tokenServer?.stop();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(); // stopped before
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAnswers(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    try {
      const res = await httpRequest(url, { method: 'GET', headers: { Connection: 'close' }, tls: { rejectUnauthorized: false } });
      res.body.resume();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`docker-registry did not answer ${url} within 10 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The path of a blob's data file in the registry's filesystem storage. */
export function blobDataPath(registry: TestRegistry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return path.join(registry.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

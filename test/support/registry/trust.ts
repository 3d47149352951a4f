import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { watchOwnedProcesses } from '../processes';
import { makeSelfSignedCert } from './certs';
import { freePort } from './registry';

export interface ClientCert {
  certFile: string;
  keyFile: string;
}

/** A self-signed client certificate (extendedKeyUsage clientAuth), its own CA. */
export function makeClientCert(dir: string, name = 'okd-test-client'): ClientCert {
  const certFile = path.join(dir, `${name}.cert`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', `/CN=${name}`, '-addext', 'extendedKeyUsage=clientAuth', '-addext', 'basicConstraints=critical,CA:TRUE'],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

export interface TlsTestRegistry {
  host: string;
  /** The server's self-signed certificate (PEM file): the CA a client needs. */
  caFile: string;
  /** With requireClientCert: the one client certificate the registry accepts. */
  client?: ClientCert;
  stop(): Promise<void>;
}

/**
 * Debian's docker-registry over TLS, optionally requiring a client certificate (distribution's `http.tls.clientcas`:
 * RequireAndVerifyClientCert). startRegistry() in registry.ts has no client-certificate mode; this one is separate so
 * that its behaviour stays as it is.
 */
export async function startTlsRegistry(opts: { requireClientCert?: boolean } = {}): Promise<TlsTestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-tls-registry-'));
  const storageDir = path.join(dir, 'storage');
  fs.mkdirSync(storageDir);
  const port = await freePort();
  const cert = makeSelfSignedCert(dir);
  const client = opts.requireClientCert ? makeClientCert(dir) : undefined;
  const tlsLine = client
    ? `  tls: {certificate: ${JSON.stringify(cert.certFile)}, key: ${JSON.stringify(cert.keyFile)}, clientcas: [${JSON.stringify(client.certFile)}]}`
    : `  tls: {certificate: ${JSON.stringify(cert.certFile)}, key: ${JSON.stringify(cert.keyFile)}}`;
  const configFile = path.join(dir, 'config.yml');
  fs.writeFileSync(
    configFile,
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${JSON.stringify(storageDir)}}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: okd-test-secret',
      tlsLine,
      '',
    ].join('\n'),
  );
  watchOwnedProcesses();
  const child: ChildProcess = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForTls(port, cert.certFile, client, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, caFile: cert.certFile, ...(client ? { client } : {}), stop };
}

/** Until a TLS handshake (with the client certificate when one is needed) and GET /v2/ succeed. */
async function waitForTls(port: number, caFile: string, client: ClientCert | undefined, child: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ca: fs.readFileSync(caFile, 'utf8'),
        ...(client ? { cert: fs.readFileSync(client.certFile, 'utf8'), key: fs.readFileSync(client.keyFile, 'utf8') } : {}),
      });
      let data = '';
      socket.once('secureConnect', () => socket.write('GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(/^HTTP\/1\.1 200/.test(data)));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`docker-registry on 127.0.0.1:${port} did not answer over TLS within 10 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A certs.d root with a folder for `host` holding the given files (name -> source file). */
export function makeCertsDir(root: string, host: string, files: Record<string, string>): string {
  const dir = path.join(root, host);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) fs.copyFileSync(source, path.join(dir, name));
  return dir;
}

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';

/**
 * A TLS endpoint with a certificate for `name` in front of a real TLS registry: it terminates TLS and opens a new,
 * verified TLS connection to the registry for each client. The test registries' certificates are for IP 127.0.0.1
 * only, and a registry reached through a proxy is addressed by a name (see squid.ts); the front gives that name a
 * certificate the client can verify with `caFile`.
 */
export interface TlsFront {
  port: number;
  /** The front's certificate (PEM), to trust with --ca-file. */
  caFile: string;
  stop(): Promise<void>;
}

export async function startTlsFront(name: string, upstream: { port: number; caFile: string }): Promise<TlsFront> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-tls-front-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`],
    { stdio: 'ignore' },
  );
  const upstreamCa = fs.readFileSync(upstream.caFile, 'utf8');
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (client) => {
    const registry = tls.connect({ host: '127.0.0.1', port: upstream.port, ca: upstreamCa });
    for (const s of [client, registry]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    client.pipe(registry).pipe(client);
    client.once('error', () => registry.destroy());
    registry.once('error', () => client.destroy());
    client.once('close', () => registry.destroy());
    registry.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    caFile: certFile,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

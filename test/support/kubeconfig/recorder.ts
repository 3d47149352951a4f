// A loopback HTTPS "API server" that answers any GET with a /version body and records under which name it was
// reached and with which Authorization: the oracle for what kubectl (and our loader) actually sends. Certificates come from openssl.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { tmpDir } from './index';

export interface Recorded {
  /** The Host header: which of the server's names (127.0.0.1 or localhost) the client was configured with. */
  host: string;
  authorization?: string;
}

export interface RecordingServer {
  url: string;
  /** The same server by its other name, for a second cluster. */
  otherUrl: string;
  /** PEM of the server's self-signed certificate (its own CA). */
  caPem: string;
  /** A client certificate and key (self-signed; the server does not ask for one, kubectl only loads them). */
  clientCertPem: string;
  clientKeyPem: string;
  /** The requests since the last take(), then forgets them. */
  take(): Recorded[];
  stop(): Promise<void>;
}

function selfSigned(dir: string, name: string, subject: string, san?: string): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject, ...(san ? ['-addext', `subjectAltName=${san}`] : [])], { stdio: 'ignore' });
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const dir = tmpDir('okd-kubeconfig-certs-');
  const server = selfSigned(dir, 'server', '/CN=127.0.0.1', 'IP:127.0.0.1,DNS:localhost');
  const client = selfSigned(dir, 'client', '/CN=alice');
  let recorded: Recorded[] = [];
  const srv = https.createServer({ key: server.key, cert: server.cert }, (req, res) => {
    recorded.push({ host: req.headers.host ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0' }));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    otherUrl: `https://localhost:${port}`,
    caPem: server.cert,
    clientCertPem: client.cert,
    clientKeyPem: client.key,
    take() {
      const r = recorded;
      recorded = [];
      return r;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

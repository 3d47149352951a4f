import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
}

/** A self-signed certificate for 127.0.0.1 (SAN IP:127.0.0.1), valid for a day. */
export function makeSelfSignedCert(dir: string): TestCert {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

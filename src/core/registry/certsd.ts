import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OkdError } from '../errors';

/**
 * Per-registry TLS trust as containers/image finds it (containers-certs.d(5), docker/docker_client.go dockerCertDir,
 * pkg/tlsclientconfig): the first of ~/.config/containers/certs.d/<host[:port]>, /etc/containers/certs.d/...,
 * /etc/docker/certs.d/... that exists is the registry's folder (folders are not merged). In it, `*.crt` are CAs added to
 * the system roots, and each `*.cert` with the `*.key` of the same name is a client certificate.
 */
export interface HostTrust {
  /** The folder the files came from. */
  dir: string;
  /** PEM CAs, in file name order. */
  ca: string[];
  /** The client certificate and key (PEM): the first pair by file name. */
  cert?: string;
  key?: string;
}

export function defaultCertsDirs(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  return [path.join(env.HOME || home, '.config', 'containers', 'certs.d'), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}

/** The registry's folder: the first root holding `<hostPort>`; one that cannot be looked at for permissions is skipped. */
export function hostCertDir(roots: readonly string[], hostPort: string): string | undefined {
  // A registry name never holds a path separator, but a configuration file could make one up: keep it in its root.
  if (!hostPort || hostPort.includes('/') || hostPort === '.' || hostPort === '..') return undefined;
  for (const root of roots) {
    const dir = path.join(root, hostPort);
    try {
      fs.statSync(dir);
      return dir;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') continue;
      throw trustError(dir, (err as Error).message);
    }
  }
  return undefined;
}

function trustError(where: string, message: string): OkdError {
  return new OkdError('invalid-input', `registry certificates in ${where}: ${message}`, 'fix the folder (see containers-certs.d(5)): CAs end in .crt, a client certificate is NAME.cert with NAME.key');
}

/** The CAs and client certificate of one registry folder, with containers/image's errors for an unpaired file. */
export function readCertDir(dir: string): HostTrust {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (err) {
    throw trustError(dir, `cannot be read: ${(err as Error).message}`);
  }
  const has = new Set(names);
  const trust: HostTrust = { dir, ca: [] };
  const read = (name: string): string | undefined => {
    try {
      return fs.readFileSync(path.join(dir, name), 'utf8');
    } catch (err) {
      // A dangling link, or a file removed since the listing: containers/image skips it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw trustError(path.join(dir, name), `cannot be read: ${(err as Error).message}`);
    }
  };
  for (const name of names) {
    if (name.endsWith('.crt')) {
      const pem = read(name);
      if (pem !== undefined) trust.ca.push(pem);
    }
    if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -'.cert'.length)}.key`;
      if (!has.has(keyName)) throw trustError(dir, `missing key ${keyName} for client certificate ${name}. CA certificates should use the extension .crt`);
      const cert = read(name);
      const key = read(keyName);
      if (cert === undefined || key === undefined) throw trustError(dir, `client certificate ${name} or its key ${keyName} cannot be read`);
      if (!/-----BEGIN [A-Z ]*CERTIFICATE-----/.test(cert)) throw trustError(path.join(dir, name), 'is not a PEM certificate');
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw trustError(path.join(dir, keyName), 'is not a PEM private key');
      if (trust.cert === undefined) {
        trust.cert = cert;
        trust.key = key;
      }
    }
    if (name.endsWith('.key')) {
      const certName = `${name.slice(0, -'.key'.length)}.cert`;
      if (!has.has(certName)) throw trustError(dir, `missing client certificate ${certName} for key ${name}`);
    }
  }
  return trust;
}

/** Looks folders up once per registry; `undefined` when no root has a folder for it. */
export class CertsDirs {
  private readonly cache = new Map<string, HostTrust | undefined>();

  constructor(readonly roots: readonly string[]) {}

  forRegistry(hostPort: string): HostTrust | undefined {
    if (this.cache.has(hostPort)) return this.cache.get(hostPort);
    const dir = hostCertDir(this.roots, hostPort);
    const trust = dir ? readCertDir(dir) : undefined;
    this.cache.set(hostPort, trust);
    return trust;
  }
}

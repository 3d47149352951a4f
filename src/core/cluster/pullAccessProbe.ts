// Asking the registry whether one credential (or none) may pull an image, as CRI-O would with what the kubelet
// gives it: a manifest HEAD through the project's RegistryClient. The client reads credentials only from auth files,
// so each probe gets a RegistryClient of its own whose only auth file is a private temporary one holding exactly
// that credential (an empty one for anonymous: the user's own files must not answer for the cluster).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CancellationTokenLike } from '../cancel';
import { OkdError, type OkdErrorKind } from '../errors';
import type { Pullspec } from '../pullspec';
import { RegistryClient, type RegistryClientOptions } from '../registry/client';
import { defaultCacheDir } from '../release/cache';

/** A registry's refusal: the kind, and a one-line reason without any local file name. */
export interface ProbeRefusal {
  kind: OkdErrorKind;
  reason: string;
}

/** What checkPullAccess needs of a registry. */
export interface PullProbe {
  /** Undefined when `credential` (undefined: anonymous) may pull `image`'s manifest; the refusal otherwise. */
  probe(image: Pullspec, credential: { username: string; password: string } | undefined, token?: CancellationTokenLike): Promise<ProbeRefusal | undefined>;
}

export interface RegistryProbeOptions extends Omit<RegistryClientOptions, 'authFile' | 'env' | 'homeDir'> {
  /** Where the temporary auth files go (default: `tmp/` in the cache dir, as nothing is written outside it). */
  tempDir?: string;
}

const STATUS: Partial<Record<OkdErrorKind, string>> = { unauthorized: '401 Unauthorized', forbidden: '403 Forbidden', 'not-found': '404 Not Found' };

/** The refusal as the user should read it: the status, and the client's message without the temporary file's path. */
export function refusalOf(err: unknown): ProbeRefusal {
  if (!(err instanceof OkdError)) return { kind: 'failed', reason: (err as Error)?.message ?? String(err) };
  const message = err.message.replace(/\s*\(from [^)]*\)/g, '');
  const status = STATUS[err.kind];
  return { kind: err.kind, reason: status ? `${status}: ${message}` : message };
}

/** A PullProbe on RegistryClients made with these options (TLS, insecure hosts, timeouts, logger). */
export function registryPullProbe(options: RegistryProbeOptions = {}): PullProbe {
  const { tempDir, ...clientOptions } = options;
  return {
    async probe(image, credential, token) {
      const base = tempDir ?? path.join(defaultCacheDir(), 'tmp');
      fs.mkdirSync(base, { recursive: true, mode: 0o700 });
      const dir = fs.mkdtempSync(path.join(base, 'pull-access-'));
      const authFile = path.join(dir, 'auth.json');
      const auths = credential ? { [image.registry]: { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') } } : {};
      fs.writeFileSync(authFile, JSON.stringify({ auths }), { mode: 0o600 });
      const client = new RegistryClient({ ...clientOptions, authFile });
      try {
        await client.headManifest(image.registry, image.repository, image.digest ?? image.tag ?? 'latest', token);
        return undefined;
      } catch (err) {
        if ((err as Error)?.name === 'CancelledError') throw err;
        return refusalOf(err);
      } finally {
        await client.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

import * as fs from 'node:fs';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { type AuthFileCandidate, type AuthFileContents, type AuthFileOptions, authFileCandidates, parseAuthFile } from './authfile';
import { findAuthEntry, findCredentialHelper, isDockerHub } from './credentials-keys';
import { credentialHelperGet } from './credhelper';

/** Credentials for one registry, and where they came from (so errors can name it). */
export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user): exchanged at the token realm. */
  identityToken?: string;
  /** The auth file path, or the helper and the file that configured it. */
  source: string;
  /** The key that matched (`quay.io/okd`), or the server URL a helper was asked for. */
  key: string;
  /** Set when a credential helper answered: its answer may change without any file changing. */
  helper?: string;
  /** What to do when the registry refuses them, for credentials that do not come from a login file. */
  rejectedHint?: string;
}

/** What a lookup found: credentials, and/or a helper that failed (reported when the registry refuses access). */
export interface CredentialLookup {
  credentials?: Credentials;
  problem?: OkdError;
}

export interface CredentialStoreOptions extends AuthFileOptions {
  logger?: Logger;
  helperTimeoutMs?: number;
}

interface CachedFile {
  signature: string;
  contents: AuthFileContents;
}

const dockerHubLegacyKey = 'https://index.docker.io/v1/';

/**
 * Finds credentials as podman, skopeo and docker do: the auth files in containers/image's order, in each one its
 * `credHelpers` entry for the registry, then its `auths` entries, then its `credsStore`. Files are parsed again
 * only when their mtime or size changed, so a `podman login` since the last lookup is seen.
 */
export class CredentialStore {
  private readonly logger: Logger;
  private readonly files = new Map<string, CachedFile>();
  /** Logins held in memory for this process only (`oc registry login` without writing a file), by registry host. */
  private readonly sessions = new Map<string, Credentials>();

  constructor(private readonly options: CredentialStoreOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Credentials for `registry` that answer before any auth file, never written anywhere. */
  addSession(registry: string, credentials: Credentials): void {
    this.sessions.set(registry, credentials);
  }

  async find(registry: string, repository: string): Promise<CredentialLookup> {
    const session = this.sessions.get(registry);
    if (session) return { credentials: session };
    let deferred: OkdError | undefined;
    for (const candidate of authFileCandidates(this.options)) {
      const contents = this.read(candidate);
      if (!contents) continue;
      const configured = findCredentialHelper(contents.credHelpers, registry);
      if (configured) {
        // As containers/image: the helper configured for this registry answers for this file, errors included.
        try {
          const found = await this.ask(configured.helper, registry, `credHelpers in ${candidate.path}`);
          if (found) return { credentials: found };
          continue;
        } catch (err) {
          return { problem: toOkdError(err) };
        }
      }
      const match = findAuthEntry(contents, registry, repository, candidate.legacy);
      if (match) return { credentials: { ...match.entry, source: candidate.path, key: match.key } };
      if (contents.credsStore) {
        try {
          const found = await this.ask(contents.credsStore, registry, `credsStore in ${candidate.path}`);
          if (found) return { credentials: found };
        } catch (err) {
          // A default store that is missing (a config.json copied from another machine) must not hide later files.
          deferred ??= toOkdError(err);
        }
      }
    }
    return deferred ? { problem: deferred } : {};
  }

  /** A file's contents, parsed again only when it changed; undefined when a default file is absent or skipped. */
  private read(candidate: AuthFileCandidate): AuthFileContents | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(candidate.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.files.delete(candidate.path);
      if (!candidate.explicit && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new OkdError('invalid-input', `auth file ${candidate.path} does not exist`, `check the ${candidate.origin} path`);
      }
      throw new OkdError('invalid-input', `auth file ${candidate.path} cannot be read: ${(err as Error).message}`);
    }
    if (candidate.userOnly && (stat.mode & 0o044) !== 0) {
      this.logger.warn(`auth file ${candidate.path} is skipped: group or others can read it (chmod 600 it)`);
      return undefined;
    }
    const signature = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const cached = this.files.get(candidate.path);
    if (cached?.signature === signature) return cached.contents;
    let text: string;
    try {
      text = fs.readFileSync(candidate.path, 'utf8');
    } catch (err) {
      throw new OkdError('invalid-input', `auth file ${candidate.path} cannot be read: ${(err as Error).message}`);
    }
    const contents = parseAuthFile(text, candidate.path, candidate.legacy);
    for (const why of contents.skipped) this.logger.warn(`auth file ${candidate.path}: ${why}; it is skipped`);
    this.files.set(candidate.path, { signature, contents });
    return contents;
  }

  private async ask(helper: string, registry: string, configuredIn: string): Promise<Credentials | undefined> {
    // podman stores Docker Hub under `docker.io`, docker under its v1 URL: ask for both, podman's first.
    const serverUrls = isDockerHub(registry) ? [registry, dockerHubLegacyKey] : [registry];
    for (const serverUrl of serverUrls) {
      const answer = await credentialHelperGet({
        helper,
        serverUrl,
        registry,
        configuredIn,
        ...(this.options.env ? { env: this.options.env } : {}),
        ...(this.options.helperTimeoutMs ? { timeoutMs: this.options.helperTimeoutMs } : {}),
      });
      if (!answer) continue;
      const source = `docker-credential-${helper} (${configuredIn})`;
      const identity = answer.username === '<token>';
      return {
        username: identity ? '' : answer.username,
        password: identity ? '' : answer.secret,
        ...(identity ? { identityToken: answer.secret } : {}),
        source,
        key: serverUrl,
        helper,
      };
    }
    return undefined;
  }
}

function toOkdError(err: unknown): OkdError {
  return err instanceof OkdError ? err : new OkdError('failed', (err as Error).message);
}

/** One lookup with a fresh store: the credentials, or the helper error when nothing else was found. */
export async function findCredentials(registry: string, repository: string, options: CredentialStoreOptions = {}): Promise<Credentials | undefined> {
  const found = await new CredentialStore(options).find(registry, repository);
  if (found.problem && !found.credentials) throw found.problem;
  return found.credentials;
}

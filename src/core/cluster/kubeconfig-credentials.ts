// The credentials of the kubeconfig user in use, chosen as client-go chooses them, for the few cases client-node
// gets wrong: `tokenFile` (re-read as client-go's cached file token source does) and exec plugins (run once and
// cached until they expire, with stdin and stderr as kubectl gives them). Static tokens, client certificates,
// basic auth and auth-providers stay client-node's work.
import * as fs from 'node:fs';
import type { KubeConfig, User } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { OkdError } from '../errors';
import { checkExecConfig, type ExecCredentialStatus, type ExecRunOptions, runExecPlugin } from './kubeconfig-exec';
import type { KubeconfigCluster, KubeconfigUser } from './kubeconfig-file';

export interface CredentialOptions {
  /** Whether stdin is a terminal an exec plugin may prompt on (default: process.stdin.isTTY). */
  terminal?: boolean;
  /** Where an exec plugin's stderr goes (default: this process's stderr, as kubectl does). */
  execStderr?: ExecRunOptions['stderr'];
  /** For tests. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

/** client-go re-reads a token file after a minute, 10 s early (cachingTokenSource's leeway). */
const TOKEN_FILE_PERIOD_MS = 50_000;
const PROVIDER = 'okd-dev-kubeconfig';

/** client-node's Authenticator (not exported by its index). */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export type CredentialKind = 'token-file' | 'exec' | 'client-node';

/**
 * Which credential client-go uses for `user`: a token file (over a static token), else an exec plugin unless a
 * token, basic auth or a client certificate is set (exec's UpdateTransportConfig steps aside for those).
 */
export function credentialKind(user: KubeconfigUser): CredentialKind {
  if (user.tokenFile) return 'token-file';
  const otherAuth = user.token || user.username || user.password || user.certFile || user.certData;
  return user.exec && !otherAuth ? 'exec' : 'client-node';
}

/** clientcmd's validateAuthInfo, for the user in use (kubectl checks only that one). */
export function checkUser(user: KubeconfigUser): void {
  const methods = [...(user.token || user.tokenFile ? ['token'] : []), ...(user.username || user.password ? ['basic auth'] : [])];
  if (methods.length > 1) throw new OkdError('invalid-input', `user "${user.name}" in the kubeconfig has both a token and basic auth`, 'keep only one of them (kubectl refuses it too)');
  if (user.exec) {
    if (user.authProvider) throw new OkdError('invalid-input', `user "${user.name}" in the kubeconfig has both an auth-provider and an exec plugin`, 'keep only one of them (kubectl refuses it too)');
    checkExecConfig(user.name, user.exec);
  }
}

/** The user as client-node gets it: without the fields it would read its own way (`exec` would run its plugin). */
export function clientNodeUser(user: KubeconfigUser): User {
  const { tokenFile: _tokenFile, exec: _exec, origin: _origin, ...rest } = user;
  return rest;
}

export class KubeconfigCredentials implements Authenticator {
  readonly kind: CredentialKind;
  private fileToken: { token: string; readAt: number } | undefined;
  private execCredential: Promise<ExecCredentialStatus> | undefined;
  private execResult: ExecCredentialStatus | undefined;
  private readonly now: () => number;

  constructor(
    private readonly user: KubeconfigUser,
    private readonly cluster: KubeconfigCluster | undefined,
    private readonly options: CredentialOptions = {},
  ) {
    this.kind = credentialKind(user);
    this.now = options.now ?? Date.now;
  }

  /** The user for client-node's KubeConfig: ours to authenticate when it has a token file or a plugin. */
  clientUser(): User {
    const rest = clientNodeUser(this.user);
    if (this.kind === 'client-node') return rest;
    const { token: _token, ...noToken } = rest;
    return { ...noToken, authProvider: { name: PROVIDER, config: {} } };
  }

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: string } | undefined)?.name === PROVIDER;
  }

  /**
   * Gets the credentials now, as client-go does when it builds its transport: a token file must be readable
   * (unless a static token backs it), an exec plugin runs (and may prompt). Connecting calls this first, so a
   * plugin that waits for a password does not eat the time allowed for the cluster to answer.
   */
  async obtain(): Promise<void> {
    if (this.kind === 'token-file' && !this.user.token) this.readTokenFile(true);
    if (this.kind === 'exec') await this.execStatus();
  }

  async applyAuthentication(_user: User, opts: { headers?: Record<string, unknown>; cert?: unknown; key?: unknown }): Promise<void> {
    opts.headers ??= {};
    if (this.kind === 'token-file') {
      const token = this.currentFileToken();
      if (token) opts.headers['Authorization'] = `Bearer ${token}`;
      return;
    }
    if (this.kind !== 'exec') return;
    const status = await this.execStatus();
    if (status.token) opts.headers['Authorization'] = `Bearer ${status.token}`;
    if (status.clientCertificateData && status.clientKeyData) {
      opts.cert = status.clientCertificateData;
      opts.key = status.clientKeyData;
    }
  }

  /** The token file's token, re-read once the last read is older than client-go's period; a failed re-read keeps the last one. */
  private currentFileToken(): string | undefined {
    if (this.fileToken && this.now() - this.fileToken.readAt < TOKEN_FILE_PERIOD_MS) return this.fileToken.token;
    try {
      return this.readTokenFile(false);
    } catch {
      return this.fileToken?.token ?? this.user.token;
    }
  }

  private readTokenFile(strict: boolean): string {
    const file = this.user.tokenFile as string;
    const where = `the token file ${file} of user "${this.user.name}"`;
    const hint = `log in again, or fix tokenFile${this.user.origin ? ` in ${this.user.origin}` : ''} (relative paths are relative to that file)`;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new OkdError(code === 'ENOENT' ? 'not-found' : 'unauthorized', `${where} cannot be read: ${code === 'ENOENT' ? 'it does not exist' : (err as Error).message}`, hint);
    }
    const token = text.trim();
    // kubectl sends no credentials for an empty file: saying so is more use than a 401 later.
    if (!token) {
      if (strict) throw new OkdError('unauthorized', `${where} is empty`, hint);
      throw new Error('empty token file');
    }
    this.fileToken = { token, readAt: this.now() };
    return token;
  }

  /** The plugin's credential: cached until its expirationTimestamp (without one, for this connection), one run at a time. */
  private execStatus(): Promise<ExecCredentialStatus> {
    const cached = this.execResult;
    if (cached && (cached.expiresAt === undefined || this.now() < cached.expiresAt)) return Promise.resolve(cached);
    this.execCredential ??= runExecPlugin(this.user.name, this.user.exec as NonNullable<KubeconfigUser['exec']>, {
      terminal: this.options.terminal ?? process.stdin.isTTY === true,
      stderr: this.options.execStderr ?? 'inherit',
      ...(this.options.env ? { env: this.options.env } : {}),
      ...(this.cluster ? { cluster: this.cluster } : {}),
    }).then(
      (status) => {
        this.execResult = status;
        this.execCredential = undefined;
        return status;
      },
      (err: unknown) => {
        this.execCredential = undefined;
        throw err;
      },
    );
    return this.execCredential;
  }
}

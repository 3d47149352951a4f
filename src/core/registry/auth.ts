import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { type Challenge, parseChallenges, pickChallenge } from './challenge';
import { type CredentialLookup, type Credentials, CredentialStore, type CredentialStoreOptions } from './credentials';
import { requestToken } from './credentials-token';
import type { RegistryResponse } from './response';
import type { Transport, TransportRequest } from './transport';

/** What a request needs access to: `pull` or `pull,push` on a repository, plus any extra scopes (mount sources). */
export interface AccessScope {
  repository: string;
  actions: 'pull' | 'pull,push';
  /** Extra token scopes, e.g. `repository:<mount source>:pull`. */
  extra?: string[];
}

export type AuthOptions = CredentialStoreOptions;

interface CachedToken {
  token: string;
  expiresAt: number;
}

interface Authorization {
  header?: string;
  /** A bearer token taken from the cache (a 401 on it is worth one retry with a fresh token). */
  cachedKey?: string;
  credentials?: Credentials;
}

const defaultTokenLifetimeS = 60;

/**
 * Answers registry challenges: anonymous first (a `GET /v2/` tells which scheme the registry wants), Basic with
 * the credentials found (auth files, credential helpers), Bearer tokens fetched from the realm (or exchanged for an
 * identity token) and cached per (registry, scope).
 */
export class Authenticator {
  private readonly logger: Logger;
  private readonly challenges = new Map<string, Challenge | null>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly credentials = new Map<string, Promise<CredentialLookup>>();
  private readonly store: CredentialStore;

  constructor(
    private readonly transport: Transport,
    options: AuthOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.store = new CredentialStore(options);
  }

  /** Uses `credentials` for `registry` from now on (before the auth files), held in memory only. */
  addSession(registry: string, credentials: Credentials): void {
    this.store.addSession(registry, credentials);
    for (const key of [...this.credentials.keys()]) if (key.startsWith(`${registry}/`)) this.credentials.delete(key);
    for (const key of [...this.tokens.keys()]) if (key.startsWith(`${registry}|`) || key.startsWith(`${registry}/`)) this.tokens.delete(key);
  }

  /** Sends `req` with whatever authorization `scope` needs, answering a 401 with a fresh token or fresh credentials. */
  async request(req: TransportRequest, scope: AccessScope): Promise<RegistryResponse> {
    const { registry } = req;
    if (!this.isRegistryUrl(req)) {
      // An absolute URL elsewhere (an upload Location on storage or another host): the registry's credentials stay home.
      this.logger.debug(`registry ${registry}: ${req.method} to ${new URL(req.url).host} sent without the registry's authorization`);
      return this.transport.request(req);
    }
    let auth = await this.authorize(registry, scope, req.token, false);
    // A 401 is answered at most twice: once with a fresh token (a cached one may have expired), once with the
    // credentials read again (a `podman login` or a helper's store updated since they were read).
    let retriedToken = false;
    let reread = false;
    const rereadChanged = async (used: Credentials | undefined): Promise<boolean> => {
      if (reread) return false;
      reread = true;
      return this.credentialsChanged(registry, scope.repository, used);
    };
    for (;;) {
      const res = await this.transport.request({
        ...req,
        headers: { ...req.headers, ...(auth.header ? { Authorization: auth.header } : {}) },
      });
      if (res.status === 403 && this.isRegistryUrl({ ...req, url: res.url || req.url })) {
        await res.discard();
        throw this.forbidden(registry, scope, auth.credentials);
      }
      if (res.status !== 401) return res;
      const challenge = pickChallenge(parseChallenges(res.headers.get('www-authenticate') ?? ''));
      await res.discard();
      if (challenge) this.challenges.set(registry, challenge);
      if (auth.cachedKey) this.tokens.delete(auth.cachedKey);
      if (!challenge) throw await this.refused(registry, scope, undefined, auth.credentials);
      if (!retriedToken && (auth.cachedKey !== undefined || auth.header === undefined)) retriedToken = true;
      else if (!(await rereadChanged(auth.credentials))) {
        throw await this.refused(registry, scope, challenge, auth.credentials);
      }
      this.logger.debug(`registry ${registry}: 401 for ${req.method}; authenticating again`);
      auth = await this.authorize(registry, scope, req.token, true);
      if (!auth.header && (await rereadChanged(undefined))) auth = await this.authorize(registry, scope, req.token, true);
      if (!auth.header) throw await this.refused(registry, scope, challenge, undefined);
    }
  }

  /** Whether `req` goes to the registry's own endpoint (a path, or an absolute URL with the same scheme and host). */
  private isRegistryUrl(req: TransportRequest): boolean {
    if (req.url.startsWith('/')) return true;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return false;
    }
    const base = new URL(this.transport.baseUrl(req.registry));
    return url.protocol === base.protocol && url.host === base.host;
  }

  /** The authorization header for a request, pinging the registry once to learn its challenge. */
  private async authorize(
    registry: string,
    scope: AccessScope,
    token: CancellationTokenLike | undefined,
    fresh: boolean,
    mayReread = true,
  ): Promise<Authorization> {
    const challenge = await this.challengeFor(registry, token);
    if (!challenge) return {};
    const credentials = (await this.credentialsFor(registry, scope.repository)).credentials;
    if (challenge.scheme === 'basic') {
      // An identity token alone is for token realms only, as docker has it.
      if (!credentials || (!credentials.username && !credentials.password)) return {};
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
      return { header: `Basic ${basic}`, credentials };
    }
    if (challenge.scheme !== 'bearer') {
      throw new OkdError('unsupported', `registry ${registry} asks for ${challenge.scheme} authentication, which is not supported`);
    }
    const scopes = [`repository:${scope.repository}:${scope.actions}`, ...(scope.extra ?? [])];
    const key = `${registry}|${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) {
      return { header: `Bearer ${cached.token}`, cachedKey: key, ...(credentials ? { credentials } : {}) };
    }
    let fetched: CachedToken;
    try {
      fetched = await this.fetchToken(registry, challenge, scopes, scope, credentials, token);
    } catch (err) {
      // The token service refused them: a login since they were read gets one more try.
      const refused = err instanceof OkdError && err.kind === 'unauthorized' && credentials;
      if (!refused || !mayReread || !(await this.credentialsChanged(registry, scope.repository, credentials))) throw err;
      return this.authorize(registry, scope, token, true, false);
    }
    this.tokens.set(key, fetched);
    return { header: `Bearer ${fetched.token}`, ...(credentials ? { credentials } : {}) };
  }

  private async challengeFor(registry: string, token: CancellationTokenLike | undefined): Promise<Challenge | null> {
    if (this.challenges.has(registry)) return this.challenges.get(registry) ?? null;
    const res = await this.transport.request({ method: 'GET', registry, url: '/v2/', ...(token ? { token } : {}) });
    const challenge = res.status === 401 ? pickChallenge(parseChallenges(res.headers.get('www-authenticate') ?? '')) : undefined;
    await res.discard();
    this.challenges.set(registry, challenge ?? null);
    return challenge ?? null;
  }

  private async fetchToken(
    registry: string,
    challenge: Challenge,
    scopes: string[],
    scope: AccessScope,
    credentials: Credentials | undefined,
    token: CancellationTokenLike | undefined,
  ): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new OkdError('failed', `registry ${registry} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new OkdError('failed', `registry ${registry} sent a Bearer challenge with an invalid realm "${realm}"`);
    }
    const res = await requestToken(this.transport, { registry, realm: url, challenge, scopes, credentials, token });
    // 400 is how an OAuth2 token endpoint refuses a refresh token (invalid_grant).
    if (res.status === 401 || res.status === 403 || (res.status === 400 && credentials?.identityToken)) {
      await res.discard();
      throw this.rejected(registry, scope, credentials);
    }
    if (!res.ok) {
      await res.discard();
      throw new OkdError('failed', `the token service of registry ${registry} (${url.host}) answered ${res.status}`, 'retry later');
    }
    const body = (await res.jsonOrUndefined()) as { token?: unknown; access_token?: unknown; expires_in?: unknown } | undefined;
    const value = typeof body?.token === 'string' && body.token ? body.token : body?.access_token;
    if (typeof value !== 'string' || !value) {
      throw new OkdError('failed', `the token service of registry ${registry} (${url.host}) answered without a token`);
    }
    const lifetime = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : defaultTokenLifetimeS;
    // Renew a little early so a token does not expire between the check and the request.
    const margin = Math.min(30, lifetime / 4);
    return { token: value, expiresAt: Date.now() + (lifetime - margin) * 1000 };
  }

  private credentialsFor(registry: string, repository: string): Promise<CredentialLookup> {
    const key = `${registry}/${repository}`;
    let lookup = this.credentials.get(key);
    if (!lookup) {
      lookup = this.store.find(registry, repository).then((found) => {
        if (found.credentials) this.logger.debug(`registry ${registry}: using credentials for ${found.credentials.key} from ${found.credentials.source}`);
        if (found.problem) this.logger.warn(`${found.problem.message}; going on without credentials for ${registry}`);
        return found;
      });
      // A lookup that threw (a malformed file) is not kept: the next request reads the files again.
      const pending = lookup;
      pending.catch(() => this.credentials.get(key) === pending && this.credentials.delete(key));
      this.credentials.set(key, pending);
    }
    return lookup;
  }

  /** Reads the credentials again; whether they differ from the ones `used` (a login happened since). */
  private async credentialsChanged(registry: string, repository: string, used: Credentials | undefined): Promise<boolean> {
    this.credentials.delete(`${registry}/${repository}`);
    const now = (await this.credentialsFor(registry, repository)).credentials;
    const changed = now?.username !== used?.username || now?.password !== used?.password || now?.identityToken !== used?.identityToken;
    if (changed) this.logger.debug(`registry ${registry}: the credentials changed since they were read; trying them`);
    return changed;
  }

  private async refused(registry: string, scope: AccessScope, challenge: Challenge | undefined, credentials: Credentials | undefined): Promise<OkdError> {
    if (challenge?.params.error === 'insufficient_scope' && credentials) return this.forbidden(registry, scope, credentials);
    if (credentials) return this.rejected(registry, scope, credentials);
    const lookup = await this.credentialsFor(registry, scope.repository);
    // A helper that failed is why there were no credentials: say so rather than "log in".
    if (lookup.problem && !lookup.credentials) return lookup.problem;
    return this.rejected(registry, scope, lookup.credentials);
  }

  private rejected(registry: string, scope: AccessScope, credentials: Credentials | undefined): OkdError {
    if (!credentials) {
      return new OkdError(
        'unauthorized',
        `registry ${registry} requires authentication for repository ${scope.repository}`,
        `log in with \`podman login ${registry}\` or pass --registry-config FILE`,
      );
    }
    return new OkdError(
      'unauthorized',
      `credentials for ${registry} were rejected (from ${credentials.source})`,
      credentials.rejectedHint ?? `log in again with \`podman login ${registry}\`, or pass the right file with --registry-config`,
    );
  }

  private forbidden(registry: string, scope: AccessScope, credentials: Credentials | undefined): OkdError {
    const who = credentials ? `the credentials for ${registry} (from ${credentials.source})` : 'anonymous access';
    return new OkdError(
      'forbidden',
      `registry ${registry} does not allow ${scope.actions} on repository ${scope.repository} for ${who}`,
      'ask for access to the repository, or use an account that has it',
    );
  }
}

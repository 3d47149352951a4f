import type { CancellationTokenLike } from '../cancel';
import type { Challenge } from './challenge';
import type { Credentials } from './credentials';
import type { RegistryResponse } from './response';
import type { Transport } from './transport';

// The OAuth2 client_id the distribution token spec asks for with a refresh token.
const oauthClientId = 'okd-dev';

export interface TokenRequest {
  registry: string;
  realm: URL;
  challenge: Challenge;
  scopes: string[];
  credentials: Credentials | undefined;
  token: CancellationTokenLike | undefined;
}

/**
 * Asks the registry's token realm for a bearer token. With an identity token, the OAuth2 flow of distribution's
 * docs/spec/auth/oauth.md as docker sends it: a form POST with grant_type=refresh_token, the token, client_id,
 * service and the scopes space-separated. Otherwise the token spec's GET: service and scopes in the query, Basic
 * credentials when there are some.
 */
export function requestToken(transport: Transport, req: TokenRequest): Promise<RegistryResponse> {
  const { registry, realm, challenge, scopes, credentials, token } = req;
  const cancel = token ? { token } : {};
  const url = new URL(realm);
  if (credentials?.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: oauthClientId });
    if (challenge.params.service) form.set('service', challenge.params.service);
    form.set('scope', scopes.join(' '));
    return transport.request({
      method: 'POST',
      registry,
      url: url.toString(),
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(form.toString()),
      idempotent: true,
      ...cancel,
    });
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (credentials && (credentials.username || credentials.password)) {
    headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }
  return transport.request({ method: 'GET', registry, url: url.toString(), headers, ...cancel });
}

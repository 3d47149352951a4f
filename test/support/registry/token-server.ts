import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCert } from './certs';

export interface TokenServer {
  realm: string;
  /** Tokens issued so far (anonymous ones included). */
  issued: number;
  /** The identity token (OAuth2 refresh token) it takes in `POST /token` with grant_type=refresh_token. */
  refreshToken: string;
  /** Tokens issued for that refresh token. */
  refreshed: number;
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A Docker token service: answers `GET /token?service=&scope=...` with an RS256 JWT whose x5c header holds the
 * certificate the registry trusts (`auth.token.rootcertbundle`). Valid basic credentials get every action asked for;
 * anonymous callers get a token with no access, as a private registry does. `POST /token` with
 * grant_type=refresh_token and `refreshToken` (an identity token) gets every action too.
 */
export async function startTokenServer(opts: {
  cert: TestCert;
  tls: boolean;
  service: string;
  issuer: string;
  username: string;
  password: string;
  expiresIn?: number;
  refreshToken?: string;
}): Promise<TokenServer> {
  const key = fs.readFileSync(opts.cert.keyFile, 'utf8');
  const certPem = fs.readFileSync(opts.cert.certFile, 'utf8');
  const der = new X509Certificate(certPem).raw;
  const state = { issued: 0, refreshed: 0 };
  const refreshToken = opts.refreshToken ?? 'okd-identity-token-0123456789';
  const sign = (sub: string, aud: string, scopes: string[]) => {
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const head = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
    const claims = { iss: opts.issuer, sub, aud, exp: now + (opts.expiresIn ?? 300), nbf: now - 10, iat: now, jti: randomUUID(), access };
    const signingInput = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
    state.issued++;
    return `${signingInput}.${b64url(createSign('RSA-SHA256').update(signingInput).sign(key))}`;
  };
  // The OAuth2 flow of distribution's docs/spec/auth/oauth.md: a form POST, scopes space-separated in one field.
  const oauth = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const refuse = (error: string) => res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error }));
      if (form.get('grant_type') !== 'refresh_token') return void refuse('unsupported_grant_type');
      if (!form.get('client_id')) return void refuse('invalid_request');
      if (form.get('refresh_token') !== refreshToken) return void refuse('invalid_grant');
      const scope = form.getAll('scope').join(' ');
      const token = sign(opts.username, form.get('service') ?? opts.service, scope.split(' ').filter(Boolean));
      state.refreshed++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, scope, expires_in: opts.expiresIn ?? 300, issued_at: new Date().toISOString() }));
    });
  };
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'POST') return oauth(req, res);
    const header = req.headers.authorization ?? '';
    let user: string | undefined;
    if (header.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(header.slice(6), 'base64').toString().split(':');
      if (u !== opts.username || p.join(':') !== opts.password) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"invalid credentials"}');
        return;
      }
      user = u;
    }
    const token = sign(user ?? '', url.searchParams.get('service') ?? opts.service, user ? url.searchParams.getAll('scope') : []);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: opts.expiresIn ?? 300, issued_at: new Date().toISOString() }));
  };
  const server = opts.tls
    ? https.createServer({ key, cert: certPem }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    get issued() {
      return state.issued;
    },
    refreshToken,
    get refreshed() {
      return state.refreshed;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

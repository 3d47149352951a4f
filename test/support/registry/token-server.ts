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
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A Docker token service: answers `GET /token?service=&scope=...` with an RS256 JWT whose x5c header holds the
 * certificate the registry trusts (`auth.token.rootcertbundle`). Valid basic credentials get every action asked for;
 * anonymous callers get a token with no access, as a private registry does.
 */
export async function startTokenServer(opts: {
  cert: TestCert;
  tls: boolean;
  service: string;
  issuer: string;
  username: string;
  password: string;
  expiresIn?: number;
}): Promise<TokenServer> {
  const key = fs.readFileSync(opts.cert.keyFile, 'utf8');
  const certPem = fs.readFileSync(opts.cert.certFile, 'utf8');
  const der = new X509Certificate(certPem).raw;
  const state = { issued: 0 };
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
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
    const access = user
      ? url.searchParams.getAll('scope').flatMap((s) => {
          const [type, name, actions] = s.split(':');
          return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const head = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
    const claims = {
      iss: opts.issuer,
      sub: user ?? '',
      aud: url.searchParams.get('service') ?? opts.service,
      exp: now + (opts.expiresIn ?? 300),
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    state.issued++;
    const token = `${signingInput}.${b64url(signature)}`;
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry';

// docker-registry 2.8 ignores `n` on tag lists, so pagination is exercised against a registry stub that pages the
// way distribution 3, quay.io and Harbor do: `?n=&last=` and `Link: <...>; rel="next"`.
describe('tag list pagination', { timeout: 60_000 }, () => {
  const tags = Array.from({ length: 11 }, (_, i) => `v1.${String(i).padStart(2, '0')}`);
  const seen: string[] = [];
  let server: http.Server;
  let host: string;

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(url.pathname + url.search);
      if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
      if (url.pathname !== '/v2/okd/paged/tags/list') return void res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
      const n = Number(url.searchParams.get('n') ?? '100');
      const last = url.searchParams.get('last');
      const from = last ? tags.indexOf(last) + 1 : 0;
      const page = tags.slice(from, from + n);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (from + n < tags.length) headers.Link = `</v2/okd/paged/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify({ name: 'okd/paged', tags: page }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));

  it('follows Link rel="next" with n=2 until the last page', async () => {
    const client = new RegistryClient({ insecure: [host], env: {}, homeDir: '/nonexistent' });
    assert.deepEqual(await client.listTags(host, 'okd/paged', { pageSize: 2 }), tags);
    assert.equal(seen.filter((s) => s.includes('/tags/list')).length, 6);
    assert.ok(seen.includes('/v2/okd/paged/tags/list?n=2&last=v1.01'));
    await assert.rejects(client.listTags(host, 'okd/none'), { kind: 'not-found', message: `repository ${host}/okd/none not found` });
    await client.close();
  });
});

/** A registry stub for protocol paths docker-registry cannot be made to take: revoked tokens, 429, redirects. */
describe('registry protocol edge cases (stub registry)', { timeout: 60_000 }, () => {
  const blob = Buffer.from('blob-bytes-for-redirect');
  const blobDigest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
  const state = { valid: new Set<string>(), issued: 0, tooMany: 0, failures: 0, storageAuth: [] as (string | undefined)[] };
  let server: http.Server;
  let storage: http.Server;
  let host: string;

  before(async () => {
    storage = http.createServer((req, res) => {
      state.storageAuth.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Length': String(blob.length) }).end(blob);
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    const storagePort = (storage.address() as AddressInfo).port;
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const challenge = `Bearer realm="http://${host}/token",service="stub",scope="repository:okd/app:pull"`;
      if (url.pathname === '/token') {
        const token = `t${++state.issued}`;
        state.valid.add(token);
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token }));
      }
      const bearer = req.headers.authorization?.replace(/^Bearer /, '');
      if (!bearer || !state.valid.has(bearer)) return void res.writeHead(401, { 'WWW-Authenticate': challenge }).end();
      if (url.pathname === '/v2/okd/secret/manifests/v1') return void res.writeHead(403).end();
      if (url.pathname === '/v2/okd/busy/manifests/v1' && state.tooMany++ < 2) return void res.writeHead(429, { 'Retry-After': '0' }).end();
      if (url.pathname === '/v2/okd/flaky/manifests/v1' && state.failures++ < 1) return void res.writeHead(503).end();
      if (url.pathname.endsWith('/manifests/v1')) {
        return void res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
      }
      if (url.pathname === '/v2/okd/lying/manifests/v2') {
        return void res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': `sha256:${'1'.repeat(64)}` }).end(manifest);
      }
      if (url.pathname === `/v2/okd/app/blobs/${blobDigest}`) {
        return void res.writeHead(307, { Location: `http://localhost:${storagePort}/data?sig=x` }).end();
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of [server, storage]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  const newClient = () => new RegistryClient({ insecure: [host, 'localhost'], env: {}, homeDir: '/nonexistent', retryBaseMs: 20 });

  it('drops a cached token the registry rejects and retries once with a fresh one', async () => {
    const client = newClient();
    await client.getManifest(host, 'okd/app', 'v1');
    assert.equal(state.issued, 1);
    state.valid.clear(); // the registry forgets every token (revoked, rotated keys)
    const again = await client.getManifest(host, 'okd/app', 'v1');
    assert.equal(again.bytes.length, manifest.length);
    assert.equal(state.issued, 2);
    await client.close();
  });

  it('retries 429 (honouring Retry-After) and 5xx for GETs', async () => {
    const client = newClient();
    await client.getManifest(host, 'okd/busy', 'v1');
    await client.getManifest(host, 'okd/flaky', 'v1');
    assert.equal(client.stats.retries, 3);
    await client.close();
  });

  it('reports 403 as forbidden', async () => {
    const client = newClient();
    await assert.rejects(client.getManifest(host, 'okd/secret', 'v1'), {
      kind: 'forbidden',
      message: `registry ${host} does not allow pull on repository okd/secret for anonymous access`,
    });
    await client.close();
  });

  it('rejects a manifest whose Docker-Content-Digest differs from its bytes', async () => {
    const client = newClient();
    await assert.rejects(client.getManifest(host, 'okd/lying', 'v2'), { kind: 'integrity', message: /^manifest v2 from .* does not match its digest sha256:1{64} \(got sha256:/ });
    await client.close();
  });

  it('follows a blob redirect to storage without sending the registry token there', async () => {
    const client = newClient();
    assert.deepEqual(await client.readBlob(host, 'okd/app', { digest: blobDigest, size: blob.length }), blob);
    assert.deepEqual(state.storageAuth, [undefined]);
    await client.close();
  });
});

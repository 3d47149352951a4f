import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry';
import { makeSelfSignedCert } from '../support/registry/certs';

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

/** The registry's credentials go to the registry only: not to an upload Location elsewhere, not over a downgrade to http. */
describe('registry credentials stay with the registry (stub registry)', { timeout: 60_000 }, () => {
  const layer = Buffer.from('layer-bytes-uploaded-to-a-foreign-host');
  const layerDigest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const basic = `Basic ${Buffer.from('robot:s3cret').toString('base64')}`;
  const seen = { upload: [] as { method?: string; auth?: string }[], registry: [] as { method?: string; auth?: string }[] };
  let registry: http.Server;
  let uploads: http.Server;
  let host: string;
  let uploadOrigin: string;
  let tmp: string;
  let authFile: string;

  before(async () => {
    uploads = http.createServer((req, res) => {
      seen.upload.push({ method: req.method, auth: req.headers.authorization });
      const url = new URL(req.url ?? '/', 'http://x');
      req.resume();
      req.on('end', () => {
        if (req.method === 'PATCH') return void res.writeHead(202, { Location: `${uploadOrigin}/upload/1?state=${seen.upload.length}` }).end();
        if (req.method === 'PUT' && url.searchParams.get('digest') === layerDigest) {
          return void res.writeHead(201, { 'Docker-Content-Digest': layerDigest }).end();
        }
        res.writeHead(400).end();
      });
    });
    await new Promise<void>((resolve) => uploads.listen(0, '127.0.0.1', resolve));
    uploadOrigin = `http://127.0.0.1:${(uploads.address() as AddressInfo).port}`;
    registry = http.createServer((req, res) => {
      seen.registry.push({ method: req.method, auth: req.headers.authorization });
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.headers.authorization !== basic) return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="stub"' }).end();
      if (req.method === 'HEAD' && url.pathname === `/v2/okd/app/blobs/${layerDigest}`) return void res.writeHead(404).end();
      if (req.method === 'POST' && url.pathname === '/v2/okd/app/blobs/uploads/') {
        // An absolute Location on another host (port): storage or an upload service behind the registry.
        return void res.writeHead(202, { Location: `${uploadOrigin}/upload/1?state=0` }).end();
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-registry-stub-'));
    authFile = path.join(tmp, 'auth.json');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [host]: { auth: Buffer.from('robot:s3cret').toString('base64') } } }));
  });
  after(async () => {
    for (const s of [registry, uploads]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const newClient = () => new RegistryClient({ insecure: [host], authFile, env: {}, homeDir: '/nonexistent', retryBaseMs: 20 });

  it('does not send Authorization to an upload Location on another host (monolithic and chunked)', async () => {
    const client = newClient();
    assert.equal((await client.pushBlob(host, 'okd/app', { digest: layerDigest, size: layer.length, data: layer })).how, 'uploaded');
    assert.equal((await client.pushBlob(host, 'okd/app', { digest: layerDigest, size: layer.length, data: layer }, { chunked: true, chunkSize: 10 })).how, 'uploaded');
    assert.deepEqual(seen.upload.map((r) => r.method), ['PUT', 'PATCH', 'PATCH', 'PATCH', 'PATCH', 'PUT']);
    assert.deepEqual(seen.upload.map((r) => r.auth), seen.upload.map(() => undefined));
    // The registry itself still got the credentials.
    assert.ok(seen.registry.some((r) => r.method === 'POST' && r.auth === basic));
    await client.close();
  });
});

/** One port that speaks TLS and plain http (judged by the first byte), so a redirect can go https -> http on the same host. */
describe('redirects from https to http on the same host (stub registry)', { timeout: 60_000 }, () => {
  const blob = Buffer.from('blob-bytes-behind-a-downgrade');
  const blobDigest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const basic = `Basic ${Buffer.from('robot:s3cret').toString('base64')}`;
  const plainAuth: (string | undefined)[] = [];
  let server: net.Server;
  let backends: http.Server[] = [];
  const sockets: net.Socket[] = [];
  let host: string;
  let tmp: string;
  let authFile: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-registry-tls-'));
    const cert = makeSelfSignedCert(tmp);
    const secure = https.createServer({ cert: fs.readFileSync(cert.certFile), key: fs.readFileSync(cert.keyFile) }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      if (req.headers.authorization !== basic) return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="stub"' }).end();
      if (url.pathname === `/v2/okd/app/blobs/${blobDigest}`) return void res.writeHead(307, { Location: `http://${host}/data?sig=x` }).end();
      res.writeHead(404).end();
    });
    const plain = http.createServer((req, res) => {
      plainAuth.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Length': String(blob.length) }).end(blob);
    });
    backends = [secure, plain];
    for (const s of backends) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    // The front port forwards each connection to the TLS or the plain server, by its first byte (0x16: a TLS handshake).
    server = net.createServer((socket) => {
      socket.once('data', (first) => {
        socket.pause();
        const backend = first[0] === 0x16 ? secure : plain;
        const upstream = net.connect((backend.address() as AddressInfo).port, '127.0.0.1', () => {
          upstream.write(first);
          socket.pipe(upstream).pipe(socket);
        });
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        sockets.push(socket, upstream);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    authFile = path.join(tmp, 'auth.json');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [host]: { auth: Buffer.from('robot:s3cret').toString('base64') } } }));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const s of backends) s.closeAllConnections();
    for (const s of [server, ...backends]) await new Promise<void>((resolve) => s.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('drops Authorization when a redirect leaves https for http, even to the same host', async () => {
    const client = new RegistryClient({ insecure: [host], authFile, env: {}, homeDir: '/nonexistent', retryBaseMs: 20 });
    assert.deepEqual(await client.readBlob(host, 'okd/app', { digest: blobDigest, size: blob.length }), blob);
    assert.deepEqual(plainAuth, [undefined]);
    await client.close();
  });
});

/** Bodies read into memory are capped while reading, whatever Content-Length says (chunked bodies declare none). */
describe('bounded reads of manifests and blobs (stub registry)', { timeout: 60_000 }, () => {
  const mib = Buffer.alloc(1024 * 1024, 0x20);
  let server: http.Server;
  let host: string;

  /** Streams `mebibytes` MiB without a Content-Length (chunked), stopping when the client goes away. */
  async function stream(res: http.ServerResponse, mebibytes: number): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
    for (let i = 0; i < mebibytes && !res.destroyed; i++) {
      if (!res.write(mib)) await new Promise((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
    }
    res.end();
  }

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
      if (url.pathname === '/v2/okd/big/manifests/v1') return void stream(res, 32);
      if (url.pathname === `/v2/okd/big/blobs/sha256:${'b'.repeat(64)}`) return void stream(res, 256);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('stops reading a chunked manifest past 4 MiB', async () => {
    const client = new RegistryClient({ insecure: [host], env: {}, homeDir: '/nonexistent', retryBaseMs: 20 });
    await assert.rejects(client.getManifest(host, 'okd/big', 'v1'), {
      kind: 'unsupported',
      message: `manifest v1 in ${host}/okd/big is more than 4194304 bytes, more than a manifest can be (4194304 bytes)`,
    });
    assert.ok(client.stats.bytesRead < 8 * mib.length, `read ${client.stats.bytesRead} bytes`);
    await client.close();
  });

  it('stops reading a blob without a size past 64 MiB, and one with a size past its size', async () => {
    const client = new RegistryClient({ insecure: [host], env: {}, homeDir: '/nonexistent', retryBaseMs: 20 });
    const digest = `sha256:${'b'.repeat(64)}`;
    await assert.rejects(client.readBlob(host, 'okd/big', { digest }), {
      kind: 'unsupported',
      message: `blob ${digest} from ${host}/okd/big is more than 67108864 bytes, the most read into memory for a blob without a known size`,
    });
    assert.ok(client.stats.bytesRead < 72 * mib.length, `read ${client.stats.bytesRead} bytes`);
    const before = client.stats.bytesRead;
    await assert.rejects(client.readBlob(host, 'okd/big', { digest, size: 1000 }), { kind: 'integrity', message: new RegExp(`^blob ${digest} from ${host}/okd/big is \\d+ bytes where its descriptor says 1000$`) });
    assert.ok(client.stats.bytesRead - before < 4 * mib.length, `read ${client.stats.bytesRead - before} bytes`);
    await client.close();
  });
});

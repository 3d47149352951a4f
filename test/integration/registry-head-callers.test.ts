// resolveImageDigest (what `okd-dev cluster patch` pins an image tag to) by manifest HEAD against the real
// docker-registry behind the counting front; and a 403 from blob storage after a redirect, which is the storage's
// refusal, not the registry's.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { resolveImageDigest } from '../../src/core/cluster/patch';
import { OkdError } from '../../src/core/errors';
import { MediaTypes, RegistryClient } from '../../src/core/registry';
import { buildImage, buildIndex, startRegistry, type TestRegistry } from '../support/registry';
import { type RegistryFront, startRegistryFront } from '../support/registry/front';

describe('resolveImageDigest by manifest HEAD', { timeout: 60_000 }, () => {
  let registry: TestRegistry;
  let front: RegistryFront;
  let client: RegistryClient;
  let amd: ReturnType<typeof buildImage>;
  let index: ReturnType<typeof buildIndex>;

  before(async () => {
    registry = await startRegistry();
    front = await startRegistryFront(registry);
    client = new RegistryClient({ insecure: [front.host], retryBaseMs: 20, env: {}, homeDir: '/nonexistent' });
    amd = buildImage({ layerSize: 1000 });
    const arm = buildImage({ layerSize: 1000, platform: { os: 'linux', architecture: 'arm64' } });
    for (const img of [amd, arm]) {
      for (const blob of [img.layer, img.config]) await client.pushBlob(front.host, 'me/operator', { ...blob.descriptor, data: blob.bytes });
      await client.putManifest(front.host, 'me/operator', img.manifest.descriptor.digest, img.manifest.bytes, img.manifest.descriptor.mediaType);
    }
    await client.putManifest(front.host, 'me/operator', 'dev', amd.manifest.bytes, amd.manifest.descriptor.mediaType);
    index = buildIndex([{ manifest: amd.manifest, platform: { os: 'linux', architecture: 'amd64' } }, { manifest: arm.manifest, platform: { os: 'linux', architecture: 'arm64' } }]);
    await client.putManifest(front.host, 'me/operator', 'multi', index.bytes, MediaTypes.ociIndex);
  });

  after(async () => {
    await client?.close();
    await front?.stop();
    await registry?.stop();
  });

  const manifestRequests = (start: number) =>
    front.log.slice(start).filter((e) => e.server === 'front' && e.path.includes('/manifests/')).map((e) => `${e.method} ${e.path.replace(/^.*\/manifests\//, '')} ${e.status}`);

  it('pins a tag to the digest a HEAD names, with no manifest GET', async () => {
    const start = front.log.length;
    assert.equal(await resolveImageDigest(`${front.host}/me/operator:dev`, client), `${front.host}/me/operator@${amd.manifest.descriptor.digest}`);
    assert.equal(await resolveImageDigest(`${front.host}/me/operator:multi`, client), `${front.host}/me/operator@${index.descriptor.digest}`, 'a list is pinned by its own digest');
    assert.deepEqual(manifestRequests(start), ['HEAD dev 200', 'HEAD multi 200']);
  });

  it('leaves a digest pullspec as it is, asking nothing', async () => {
    const start = front.log.length;
    const pinned = `${front.host}/me/operator@${amd.manifest.descriptor.digest}`;
    assert.equal(await resolveImageDigest(pinned, client), pinned);
    assert.equal(front.log.length, start);
  });

  it('asks with a GET when the HEAD gives no digest, and says a missing tag is not found', async () => {
    front.behave({ omitHeadDigest: true });
    const start = front.log.length;
    try {
      assert.equal(await resolveImageDigest(`${front.host}/me/operator:dev`, client), `${front.host}/me/operator@${amd.manifest.descriptor.digest}`);
    } finally {
      front.behave({ omitHeadDigest: false });
    }
    assert.deepEqual(manifestRequests(start), ['HEAD dev 200', 'GET dev 200']);
    await assert.rejects(
      resolveImageDigest(`${front.host}/me/operator:nope`, client),
      (err: unknown) => err instanceof OkdError && err.kind === 'not-found' && err.message === `tag nope not found in ${front.host}/me/operator`,
    );
  });
});

describe('a 403 from blob storage after a redirect', { timeout: 30_000 }, () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  let registryServer: http.Server;
  let storageServer: http.Server;
  let host: string;
  let client: RegistryClient;
  const storageSeen: { authorization: boolean }[] = [];

  const listen = (server: http.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

  before(async () => {
    // Blob storage that refuses the signed URL (expired, clock skew): S3's 403 with an XML body.
    storageServer = http.createServer((req, res) => {
      storageSeen.push({ authorization: req.headers.authorization !== undefined });
      res.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    });
    const storagePort = await listen(storageServer);
    // A registry that lets anyone pull okd/open (blobs redirected to storage) and refuses okd/closed itself.
    registryServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://registry');
      if (url.pathname === '/v2/') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      if (url.pathname === `/v2/okd/open/blobs/${digest}`) {
        return void res.writeHead(307, { Location: `http://127.0.0.1:${storagePort}/blobs/${digest}?X-Amz-Expires=1&X-Amz-Signature=x` }).end();
      }
      if (url.pathname === `/v2/okd/closed/blobs/${digest}`) {
        return void res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
      }
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    });
    host = `127.0.0.1:${await listen(registryServer)}`;
    client = new RegistryClient({ insecure: [host], retryBaseMs: 20, env: {}, homeDir: '/nonexistent' });
  });

  after(async () => {
    await client?.close();
    for (const server of [registryServer, storageServer]) {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    }
  });

  it('is reported as the storage answered, not as the registry refusing pull', async () => {
    await assert.rejects(client.readBlob(host, 'okd/open', { digest, size: 10 }), (err: unknown) => {
      assert.ok(err instanceof OkdError);
      assert.doesNotMatch(err.message, /does not allow/);
      assert.equal(err.kind, 'failed');
      assert.match(err.message, new RegExp(`^registry ${host} answered 403 to GET blob for ${host}/okd/open`));
      return true;
    });
    assert.deepEqual(storageSeen, [{ authorization: false }], 'storage was asked once, without the registry credentials');
  });

  it('from the registry itself is still a refusal to pull', async () => {
    await assert.rejects(
      client.readBlob(host, 'okd/closed', { digest, size: 10 }),
      (err: unknown) => err instanceof OkdError && err.kind === 'forbidden' && err.message === `registry ${host} does not allow pull on repository okd/closed for anonymous access`,
    );
  });
});

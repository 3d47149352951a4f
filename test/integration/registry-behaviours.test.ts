import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { MediaTypes, RegistryClient } from '../../src/core/registry';
import { type TestRegistry, buildImage, buildIndex, randomLayer, skopeoInspect, startRegistry } from '../support/registry';
import { type RegistryFront, startRegistryFront } from '../support/registry/front';

const blobGet = /\/blobs\/sha256:/;

describe('registry client against registries as they behave (docker-registry behind a misbehaving front)', { timeout: 120_000 }, () => {
  let reg: TestRegistry;
  let front: RegistryFront;
  let tokenReg: TestRegistry;
  let tokenFront: RegistryFront;
  let tmp: string;
  const clients: RegistryClient[] = [];

  const clientFor = (host: string, extra: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const c = new RegistryClient({ insecure: [host], retryBaseMs: 20, env: {}, homeDir: '/nonexistent', ...extra });
    clients.push(c);
    return c;
  };

  before(async () => {
    [reg, tokenReg] = await Promise.all([startRegistry(), startRegistry({ auth: 'token' })]);
    [front, tokenFront] = await Promise.all([startRegistryFront(reg), startRegistryFront(tokenReg)]);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-behaviours-'));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await Promise.all([front?.stop(), tokenFront?.stop()]);
    await Promise.all([reg?.stop(), tokenReg?.stop()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** An auth file with the test user's credentials for the token front. */
  const tokenAuthFile = () => {
    const file = path.join(tmp, 'auth.json');
    const auth = Buffer.from(`${tokenReg.username}:${tokenReg.password}`).toString('base64');
    fs.writeFileSync(file, JSON.stringify({ auths: { [tokenFront.host]: { auth } } }));
    return file;
  };

  it('follows a 307 from a blob GET to the CDN with the signed URL as given and without Authorization', async () => {
    const client = clientFor(tokenFront.host, { authFile: tokenAuthFile() });
    const layer = randomLayer(200_000);
    await client.pushBlob(tokenFront.host, 'okd/cdn', { ...layer.descriptor, data: layer.bytes });
    tokenFront.behave({ redirectBlobs: true });
    try {
      const bytes = await client.readBlob(tokenFront.host, 'okd/cdn', layer.descriptor);
      assert.deepEqual(bytes, layer.bytes);
      const streamed: Buffer[] = [];
      for await (const chunk of await client.openBlob(tokenFront.host, 'okd/cdn', layer.descriptor)) streamed.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(streamed), layer.bytes);
    } finally {
      tokenFront.behave({ redirectBlobs: false });
    }
    const atRegistry = tokenFront.log.filter((e) => e.server === 'front' && e.method === 'GET' && blobGet.test(e.path));
    const atCdn = tokenFront.log.filter((e) => e.server === 'cdn');
    assert.deepEqual(atRegistry.map((e) => [e.status, e.authorization]), [[307, true], [307, true]], 'the registry got the token and answered with a redirect');
    assert.deepEqual(atCdn.map((e) => [e.status, e.authorization]), [[200, false], [200, false]], 'the CDN served the signed URL, never saw a token');
    assert.equal(tokenFront.cdnRefusedAuthorization, 0);
  });

  it('falls back to a plain upload when the token server leaves out the mount source (401 insufficient_scope)', async () => {
    const client = clientFor(tokenFront.host, { authFile: tokenAuthFile() });
    const image = buildImage({ layerSize: 50_000 });
    await client.pushBlob(tokenFront.host, 'secret/base', { ...image.layer.descriptor, data: image.layer.bytes });
    tokenFront.behave({ privateRepositories: ['secret/base'] });
    try {
      const pushed = await client.pushBlob(tokenFront.host, 'me/app', { ...image.layer.descriptor, data: image.layer.bytes }, { mountFrom: ['secret/base'] });
      assert.equal(pushed.how, 'uploaded');
      const mounts = tokenFront.log.filter((e) => e.method === 'POST' && e.query.includes('mount='));
      assert.deepEqual(mounts.map((e) => e.status), [401], 'the real registry refused the mount for want of the scope');
      // The next blob from there goes straight to an upload.
      const other = randomLayer(10_000);
      await client.pushBlob(tokenFront.host, 'secret/base', { ...other.descriptor, data: other.bytes });
      const again = await client.pushBlob(tokenFront.host, 'me/app', { ...other.descriptor, data: other.bytes }, { mountFrom: ['secret/base'] });
      assert.equal(again.how, 'uploaded');
      assert.equal(tokenFront.log.filter((e) => e.method === 'POST' && e.query.includes('mount=')).length, 1);
    } finally {
      tokenFront.behave({ privateRepositories: [] });
    }
    assert.ok(await client.blobExists(tokenFront.host, 'me/app', image.layer.descriptor.digest));
  });

  it('falls back to a plain upload when a mount is answered 403', async () => {
    const client = clientFor(front.host);
    const layer = randomLayer(30_000);
    await client.pushBlob(front.host, 'okd/base', { ...layer.descriptor, data: layer.bytes });
    front.behave({ refuseMounts: true });
    try {
      const pushed = await client.pushBlob(front.host, 'okd/app403', { ...layer.descriptor, data: () => Readable.from([layer.bytes]) }, { mountFrom: ['okd/base'] });
      assert.equal(pushed.how, 'uploaded');
    } finally {
      front.behave({ refuseMounts: false });
    }
    assert.deepEqual(await client.readBlob(front.host, 'okd/app403', layer.descriptor), layer.bytes);
  });

  it('keeps PATCHes within OCI-Chunk-Max-Length, and above OCI-Chunk-Min-Length', async () => {
    const client = clientFor(front.host);
    const layer = randomLayer(1_000_000);
    front.behave({ advertiseChunk: { max: 300_000 }, maxPatchBytes: 300_000 });
    try {
      const start = front.log.length;
      await client.pushBlob(front.host, 'okd/maxchunk', { ...layer.descriptor, data: layer.bytes });
      const patches = front.log.slice(start).filter((e) => e.method === 'PATCH');
      assert.deepEqual(patches.map((e) => e.status), [202, 202, 202, 202], 'a 1 MB blob in four PATCHes of at most 300 kB, none refused');
      front.behave({ advertiseChunk: { min: 400_000 }, maxPatchBytes: undefined });
      const small = randomLayer(1_000_000);
      const at = front.log.length;
      await client.pushBlob(front.host, 'okd/minchunk', { ...small.descriptor, data: () => Readable.from([small.bytes]) }, { chunked: true, chunkSize: 100_000 });
      assert.equal(front.log.slice(at).filter((e) => e.method === 'PATCH').length, 3, 'chunks of the 400 kB minimum, not the 100 kB asked for');
      assert.deepEqual(await client.readBlob(front.host, 'okd/minchunk', small.descriptor), small.bytes);
    } finally {
      front.behave({ advertiseChunk: undefined, maxPatchBytes: undefined });
    }
    assert.deepEqual(await client.readBlob(front.host, 'okd/maxchunk', layer.descriptor), layer.bytes);
  });

  it('retries smaller chunks after a 416 for a chunk too large (GHCR), and starts the next blob at that size', async () => {
    const client = clientFor(front.host);
    const layer = randomLayer(1_200_000);
    front.behave({ maxPatchBytes: 300_000 });
    try {
      const start = front.log.length;
      await client.pushBlob(front.host, 'okd/ghcr', { ...layer.descriptor, data: () => Readable.from([layer.bytes]) }, { chunkSize: 1_000_000 });
      const first = front.log.slice(start).filter((e) => e.method === 'PATCH').map((e) => e.status);
      assert.deepEqual(first.filter((s) => s === 416).length, 2, `1 MB and 500 kB refused, then 250 kB taken: ${first.join(' ')}`);
      assert.ok(first.slice(2).every((s) => s === 202));
      const next = randomLayer(600_000);
      const at = front.log.length;
      await client.pushBlob(front.host, 'okd/ghcr', { ...next.descriptor, data: next.bytes }, { chunkSize: 1_000_000 });
      assert.deepEqual(front.log.slice(at).filter((e) => e.method === 'PATCH').map((e) => e.status), [202, 202, 202], 'no 416 the second time');
    } finally {
      front.behave({ maxPatchBytes: undefined });
    }
    assert.deepEqual(await client.readBlob(front.host, 'okd/ghcr', layer.descriptor), layer.bytes);
    const image = JSON.parse(JSON.stringify(layer.descriptor)) as { digest: string };
    assert.ok(await client.blobExists(front.host, 'okd/ghcr', image.digest));
  });

  it('resumes a PATCH cut midway from the Range the upload reports, re-reading a stream from there', async () => {
    const client = clientFor(front.host);
    const layer = randomLayer(900_000);
    let opened = 0;
    const data = () => {
      opened++;
      return Readable.from([layer.bytes.subarray(0, 123_457), layer.bytes.subarray(123_457)]);
    };
    front.behave({ stableUploadUrls: true, cutNextPatch: { bytes: 100_000 } });
    const start = front.log.length;
    try {
      await client.pushBlob(front.host, 'okd/resume', { ...layer.descriptor, data }, { chunkSize: 300_000 });
    } finally {
      front.behave({ stableUploadUrls: false });
    }
    const seen = front.log.slice(start).filter((e) => e.path.includes('/uploads/') && e.method !== 'POST').map((e) => `${e.method} ${e.status} ${e.contentRange ?? ''}`.trim());
    assert.deepEqual(seen.slice(0, 3), ['PATCH 0 0-299999', 'GET 204', 'PATCH 202 100000-399999'], 'the cut PATCH, the upload state, then on from 100000');
    assert.equal(opened, 2, 'the stream was opened again to resume');
    assert.equal(front.log.slice(start).filter((e) => e.method === 'POST').length, 1, 'one upload session');
    assert.deepEqual(await client.readBlob(front.host, 'okd/resume', layer.descriptor), layer.bytes);
  });

  it('starts the upload again when the registry no longer knows it after a cut PATCH (distribution signs the offset)', async () => {
    const client = clientFor(front.host);
    const layer = randomLayer(700_000);
    front.behave({ cutNextPatch: { bytes: 100_000 } });
    const start = front.log.length;
    await client.pushBlob(front.host, 'okd/restart', { ...layer.descriptor, data: layer.bytes }, { chunkSize: 300_000 });
    const seen = front.log.slice(start).filter((e) => e.path.includes('/uploads/')).map((e) => `${e.method} ${e.status}`);
    assert.deepEqual(seen.slice(0, 4), ['POST 202', 'PATCH 0', 'GET 404', 'POST 202']);
    assert.deepEqual(await client.readBlob(front.host, 'okd/restart', layer.descriptor), layer.bytes);
  });

  it('resolves a tag by HEAD with the four manifest types, no GET; a GET only when the HEAD has no digest', async () => {
    const client = clientFor(front.host);
    const amd = buildImage({ layerSize: 1000 });
    const arm = buildImage({ layerSize: 1000, platform: { os: 'linux', architecture: 'arm64' } });
    for (const img of [amd, arm]) {
      for (const blob of [img.layer, img.config]) await client.pushBlob(front.host, 'okd/tags', { ...blob.descriptor, data: blob.bytes });
      await client.putManifest(front.host, 'okd/tags', img.manifest.descriptor.digest, img.manifest.bytes, img.manifest.descriptor.mediaType);
    }
    const index = buildIndex([{ manifest: amd.manifest, platform: { os: 'linux', architecture: 'amd64' } }, { manifest: arm.manifest, platform: { os: 'linux', architecture: 'arm64' } }]);
    await client.putManifest(front.host, 'okd/tags', 'multi', index.bytes, MediaTypes.ociIndex);
    const docker = buildImage({ layerSize: 1000, format: 'docker' });
    for (const blob of [docker.layer, docker.config]) await client.pushBlob(front.host, 'okd/tags', { ...blob.descriptor, data: blob.bytes });
    await client.putManifest(front.host, 'okd/tags', 'v2s2', docker.manifest.bytes, MediaTypes.dockerManifest);

    const gets = () => front.count('GET', /\/manifests\//);
    const before = gets();
    const multi = await client.headManifest(front.host, 'okd/tags', 'multi');
    assert.deepEqual([multi.digest, multi.mediaType, multi.via], [index.descriptor.digest, MediaTypes.ociIndex, 'HEAD']);
    const v2s2 = await client.headManifest(front.host, 'okd/tags', 'v2s2');
    assert.deepEqual([v2s2.digest, v2s2.mediaType], [docker.manifest.descriptor.digest, MediaTypes.dockerManifest]);
    assert.equal(gets(), before, 'no manifest GET for a tag resolve');
    const heads = front.log.filter((e) => e.method === 'HEAD' && e.path.endsWith('/manifests/multi'));
    const accepted = (heads[0]?.accept ?? '').split(',').map((s) => s.trim()).sort();
    assert.deepEqual(accepted, [MediaTypes.dockerManifest, MediaTypes.dockerManifestList, MediaTypes.ociIndex, MediaTypes.ociManifest].sort());
    const skopeo = JSON.parse(await skopeoInspect('okd/tags:v2s2', reg)) as { Digest: string };
    assert.equal(skopeo.Digest, v2s2.digest, 'skopeo agrees');

    front.behave({ omitHeadDigest: true });
    try {
      const fallback = await client.headManifest(front.host, 'okd/tags', 'multi');
      assert.deepEqual([fallback.digest, fallback.via], [index.descriptor.digest, 'GET']);
      assert.equal(gets(), before + 1);
    } finally {
      front.behave({ omitHeadDigest: false });
    }
    await assert.rejects(client.headManifest(front.host, 'okd/tags', 'nope'), (err: unknown) => err instanceof OkdError && err.kind === 'not-found' && /tag nope not found/.test(err.message));
  });

  it('answers a 429 with Retry-After on the upload POST, PATCH and PUT by waiting and sending again', async () => {
    const client = clientFor(front.host);
    for (const method of ['POST', 'PATCH', 'PUT']) {
      const layer = randomLayer(200_000);
      front.behave({ tooManyRequests: { method, remaining: 1 } });
      const start = front.log.length;
      const pushed = await client.pushBlob(front.host, 'okd/limited', { ...layer.descriptor, data: () => Readable.from([layer.bytes]) }, { chunked: true, chunkSize: 150_000 });
      assert.equal(pushed.how, 'uploaded');
      const statuses = front.log.slice(start).filter((e) => e.method === method).map((e) => e.status);
      assert.deepEqual(statuses.slice(0, 2), [429, method === 'POST' ? 202 : method === 'PATCH' ? 202 : 201], `${method}: ${statuses.join(' ')}`);
      assert.deepEqual(await client.readBlob(front.host, 'okd/limited', layer.descriptor), layer.bytes);
    }
    const image = buildImage();
    for (const blob of [image.layer, image.config]) await client.pushBlob(front.host, 'okd/limited', { ...blob.descriptor, data: blob.bytes });
    front.behave({ tooManyRequests: { method: 'PUT', remaining: 1 } });
    assert.equal(await client.putManifest(front.host, 'okd/limited', 'v1', image.manifest.bytes, MediaTypes.ociManifest), image.manifest.descriptor.digest);
  });

  it('gives up on a blob body that stalls (idle timeout) and reads it again', async () => {
    const client = clientFor(front.host, { idleTimeoutMs: 500 });
    const layer = randomLayer(300_000);
    await client.pushBlob(front.host, 'okd/stall', { ...layer.descriptor, data: layer.bytes });
    front.behave({ stallBlobs: { bytes: 100_000, remaining: 1 } });
    const start = front.log.length;
    assert.deepEqual(await client.readBlob(front.host, 'okd/stall', layer.descriptor), layer.bytes);
    assert.equal(front.log.slice(start).filter((e) => e.method === 'GET' && blobGet.test(e.path)).length, 2);

    front.behave({ stallBlobs: { bytes: 100_000, remaining: 5 } });
    await assert.rejects(client.readBlob(front.host, 'okd/stall', layer.descriptor), (err: unknown) => {
      assert.ok(err instanceof OkdError && err.kind === 'unreachable', String(err));
      assert.match(err.message, /stopped sending blob sha256:[a-f0-9]{64} of .*: the response body stopped: no data for 0\.5 s \(3 attempts\)/);
      return true;
    });
    front.behave({ stallBlobs: undefined });
    const stream = await client.openBlob(front.host, 'okd/stall', layer.descriptor);
    front.behave({ stallBlobs: { bytes: 100_000, remaining: 1 } });
    const reopened = await client.openBlob(front.host, 'okd/stall', layer.descriptor);
    await assert.rejects(async () => {
      for await (const _ of reopened) void _;
    }, /no data for 0\.5 s/);
    let total = 0;
    for await (const chunk of stream) total += (chunk as Buffer).length;
    assert.equal(total, layer.bytes.length);
    front.behave({ stallBlobs: undefined });
  });

  it('lets an upload on a slow link take longer than the response deadline while bytes keep moving', async () => {
    const client = clientFor(front.host, { timeoutMs: 3000, idleTimeoutMs: 5000 });
    // Sent at about 4 MB/s, 24 MB take twice the 3 s response deadline; what the loopback socket buffers still holds
    // when the last byte leaves drains well within it.
    const layer = randomLayer(24_000_000);
    front.behave({ uploadBytesPerSecond: 4_000_000 });
    try {
      const pushed = await client.pushBlob(front.host, 'okd/slow', { ...layer.descriptor, data: layer.bytes }, { chunkSize: 32 * 1024 * 1024 });
      assert.equal(pushed.how, 'uploaded');
    } finally {
      front.behave({ uploadBytesPerSecond: undefined });
    }
    assert.ok(await client.blobExists(front.host, 'okd/slow', layer.descriptor.digest));
  });

  it('caps the uploads running at once per registry', async () => {
    const client = clientFor(front.host, { maxConcurrentUploads: 3 });
    const layers = Array.from({ length: 8 }, () => randomLayer(20_000));
    front.behave({ holdUploadsMs: 150 });
    try {
      const pushed = await Promise.all(layers.map((l) => client.pushBlob(front.host, 'okd/parallel', { ...l.descriptor, data: l.bytes })));
      assert.ok(pushed.every((p) => p.how === 'uploaded'));
    } finally {
      front.behave({ holdUploadsMs: undefined });
    }
    assert.ok(front.maxUploadsInFlight <= 3, `at most 3 uploads at once, saw ${front.maxUploadsInFlight}`);
    assert.ok(front.maxUploadsInFlight >= 2, `uploads do run in parallel, saw ${front.maxUploadsInFlight}`);
  });
});

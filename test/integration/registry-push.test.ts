import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MediaTypes, RegistryClient } from '../../src/core/registry';
import { type BuiltImage, type TestRegistry, buildImage, buildIndex, randomLayer, skopeoCopy, skopeoInspect, startRegistry } from '../support/registry';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function pushImage(client: RegistryClient, reg: TestRegistry, repo: string, image: BuiltImage, tag: string): Promise<string> {
  for (const blob of [image.layer, image.config]) {
    await client.pushBlob(reg.host, repo, { ...blob.descriptor, data: blob.bytes });
  }
  return client.putManifest(reg.host, repo, tag, image.manifest.bytes, image.manifest.descriptor.mediaType);
}

describe('registry client against docker-registry over plain http', { timeout: 60_000 }, () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let tmp: string;

  before(async () => {
    reg = await startRegistry({ proxy: true });
    client = new RegistryClient({ insecure: [reg.host], retryBaseMs: 50, env: {}, homeDir: '/nonexistent' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-registry-test-'));
  });
  after(async () => {
    await client.close();
    await reg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('pushes an OCI image (monolithic layer) that skopeo inspects and copies with our digest', async () => {
    const image = buildImage({ layerSize: 100_000 });
    const layer = await client.pushBlob(reg.host, 'okd/mono', { ...image.layer.descriptor, data: image.layer.bytes });
    assert.equal(layer.how, 'uploaded');
    const again = await client.pushBlob(reg.host, 'okd/mono', { ...image.layer.descriptor, data: image.layer.bytes });
    assert.equal(again.how, 'exists');
    const digest = await pushImage(client, reg, 'okd/mono', image, 'v1');
    assert.equal(digest, image.manifest.descriptor.digest);
    const inspected = JSON.parse(await skopeoInspect('okd/mono:v1', reg)) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, digest);
    assert.deepEqual(inspected.Layers, [image.layer.descriptor.digest]);
    const dst = path.join(tmp, 'mono');
    await skopeoCopy('okd/mono:v1', reg, dst);
    assert.equal(sha(fs.readFileSync(path.join(dst, image.layer.descriptor.digest.slice(7)))), image.layer.descriptor.digest);
    assert.equal(sha(fs.readFileSync(path.join(dst, 'manifest.json'))), digest);

    const got = await client.getManifest(reg.host, 'okd/mono', 'v1');
    assert.equal(got.digest, digest);
    assert.equal(got.mediaType, MediaTypes.ociManifest);
    const resolved = await client.resolveImage(reg.host, 'okd/mono', 'v1');
    assert.equal(resolved.digest, digest);
    assert.equal(resolved.listDigest, undefined);
    const config = await client.readBlob(reg.host, 'okd/mono', resolved.manifest.config);
    assert.deepEqual(config, image.config.bytes);
  });

  it('pushes a layer in chunks (Buffer and stream) and a Docker schema 2 manifest', async () => {
    const image = buildImage({ layerSize: 300_000, format: 'docker' });
    const res = await client.pushBlob(reg.host, 'okd/chunked', { ...image.layer.descriptor, data: image.layer.bytes }, { chunkSize: 64 * 1024 });
    assert.equal(res.how, 'uploaded');
    const streamed = randomLayer(200_000);
    const chunks = [streamed.bytes.subarray(0, 70_000), streamed.bytes.subarray(70_000)];
    const res2 = await client.pushBlob(reg.host, 'okd/chunked', { ...streamed.descriptor, data: () => Readable.from(chunks) }, { chunked: true, chunkSize: 50_000 });
    assert.equal(res2.how, 'uploaded');
    assert.ok(await client.blobExists(reg.host, 'okd/chunked', streamed.descriptor.digest));
    const digest = await pushImage(client, reg, 'okd/chunked', image, 'v2s2');
    const inspected = JSON.parse(await skopeoInspect('okd/chunked:v2s2', reg)) as { Digest: string };
    assert.equal(inspected.Digest, digest);
    const got = await client.getManifest(reg.host, 'okd/chunked', digest);
    assert.equal(got.mediaType, MediaTypes.dockerManifest);
    const dst = path.join(tmp, 'chunked');
    await skopeoCopy('okd/chunked:v2s2', reg, dst);
    assert.equal(sha(fs.readFileSync(path.join(dst, image.layer.descriptor.digest.slice(7)))), image.layer.descriptor.digest);
  });

  it('pushes an index and resolves the platform manifest, naming the platforms it lacks', async () => {
    const amd = buildImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm = buildImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await pushImage(client, reg, 'okd/multi', amd, amd.manifest.descriptor.digest);
    await pushImage(client, reg, 'okd/multi', arm, arm.manifest.descriptor.digest);
    const index = buildIndex([
      { manifest: amd.manifest, platform: { os: 'linux', architecture: 'amd64' } },
      { manifest: arm.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    const digest = await client.putManifest(reg.host, 'okd/multi', 'latest', index.bytes, MediaTypes.ociIndex);
    assert.equal(sha(await skopeoInspect('okd/multi:latest', reg, { raw: true })), digest);
    const arm64 = await client.resolveImage(reg.host, 'okd/multi', 'latest', { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(arm64.digest, arm.manifest.descriptor.digest);
    assert.equal(arm64.listDigest, digest);
    assert.deepEqual(arm64.platforms?.map((p) => p.architecture), ['amd64', 'arm64']);
    const dflt = await client.resolveImage(reg.host, 'okd/multi', 'latest');
    assert.equal(dflt.digest, amd.manifest.descriptor.digest);
    await assert.rejects(client.resolveImage(reg.host, 'okd/multi', 'latest', { platform: { os: 'linux', architecture: 's390x' } }), {
      name: 'OkdError',
      kind: 'not-found',
      message: `${reg.host}/okd/multi:latest has no image for linux/s390x (it offers linux/amd64, linux/arm64/v8)`,
    });
  });

  it('mounts a blob from another repository without uploading it', async () => {
    const layer = randomLayer(500_000);
    await client.pushBlob(reg.host, 'okd/source', { ...layer.descriptor, data: layer.bytes });
    const before = reg.counters.bytesFromClient;
    const res = await client.pushBlob(reg.host, 'okd/target', { ...layer.descriptor, data: layer.bytes }, { mountFrom: ['okd/source'] });
    assert.equal(res.how, 'mounted');
    assert.ok(reg.counters.bytesFromClient - before < 10_000, `sent ${reg.counters.bytesFromClient - before} bytes`);
    assert.ok(await client.blobExists(reg.host, 'okd/target', layer.descriptor.digest));
  });

  it('lists the tags of a repository (docker-registry 2.8 answers in one page)', async () => {
    const image = buildImage({ layerSize: 100 });
    const tags = Array.from({ length: 7 }, (_, i) => `t${i}`);
    for (const tag of tags) await pushImage(client, reg, 'okd/tags', image, tag);
    assert.deepEqual((await client.listTags(reg.host, 'okd/tags', { pageSize: 2 })).sort(), tags);
    assert.deepEqual((await client.listTags(reg.host, 'okd/tags')).sort(), tags);
  });
});

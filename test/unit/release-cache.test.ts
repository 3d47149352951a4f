import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLayer } from '../../src/core/image/layer';
import { type Logger, silentLogger } from '../../src/core/log';
import type { RegistryClient } from '../../src/core/registry/client';
import { MediaTypes } from '../../src/core/registry/types';
import { CACHE_SCHEMA, type CachedPayload, ReleaseCache } from '../../src/core/release/cache';
import { readRelease } from '../../src/core/release/reader';
import { cachePayload } from '../support/payload/cache';
import { releaseManifests } from '../support/payload/manifests';
import { DIGEST_A, DIGEST_B } from './release-fixtures';

const payload = (files: Record<string, string> = { 'image-references': '{}' }): Omit<CachedPayload, 'layers'> => ({
  schema: CACHE_SCHEMA,
  pullSpec: `quay.io/okd/scos-release@${DIGEST_A}`,
  digest: DIGEST_A,
  created: '2025-01-01T00:00:00Z',
  os: 'linux',
  architecture: 'amd64',
  labels: {},
  files,
});

describe('release cache writes', () => {
  let root: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-release-cache-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lets concurrent writes of the same key in the same millisecond all succeed', async () => {
    const cache = new ReleaseCache(path.join(root, 'concurrent'));
    const now = Date.now;
    const frozen = now();
    Date.now = () => frozen; // the same millisecond for every writer
    try {
      await Promise.all(Array.from({ length: 8 }, () => cachePayload(cache, payload())));
    } finally {
      Date.now = now;
    }
    assert.deepEqual((await cache.get(DIGEST_A))?.digest, DIGEST_A);
    assert.deepEqual(fs.readdirSync(path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA}`)), [`${'a'.repeat(64)}.json`]);
  });

  it('keeps the files as the top layer blob, not as JSON, and reads them back', async () => {
    const cache = new ReleaseCache(path.join(root, 'blob'));
    const files = Object.fromEntries(releaseManifests({ version: '4.19.0-okd-scos.1', small: true }));
    const put = await cachePayload(cache, payload(files));
    const entry = fs.readFileSync(path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA}`, `${'a'.repeat(64)}.json`), 'utf8');
    assert.ok(!entry.includes('image-references'), 'the entry holds no file contents');
    const blob = path.join(cache.dir, 'blobs', 'sha256', (put.layers[0] as string).slice('sha256:'.length));
    assert.ok(fs.statSync(blob).size < Buffer.byteLength(JSON.stringify(files)) / 4, 'the compressed layer is far smaller than the files');
    assert.deepEqual((await cache.get(DIGEST_A))?.files, files);
    assert.deepEqual((await cache.list()).map((p) => p.files), [files]);
  });

  it('treats a damaged blob, a missing blob and an entry that is not what its name says as misses', async () => {
    const cache = new ReleaseCache(path.join(root, 'damaged'));
    const put = await cachePayload(cache, payload());
    const entryFile = path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA}`, `${'a'.repeat(64)}.json`);
    const blob = path.join(cache.dir, 'blobs', 'sha256', (put.layers[0] as string).slice('sha256:'.length));
    const bytes = fs.readFileSync(blob);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(blob, bytes);
    assert.equal(await cache.get(DIGEST_A), undefined, 'a blob that does not match its digest');
    fs.rmSync(blob);
    assert.equal(await cache.get(DIGEST_A), undefined, 'a missing blob');
    await cachePayload(cache, payload());
    // Another payload's entry copied under this digest's name.
    const other = await cachePayload(cache, { ...payload(), digest: DIGEST_B, pullSpec: `quay.io/okd/scos-release@${DIGEST_B}` });
    fs.copyFileSync(path.join(path.dirname(entryFile), `${'b'.repeat(64)}.json`), entryFile);
    assert.equal(await cache.get(DIGEST_A), undefined, 'an entry naming another digest');
    assert.equal((await cache.get(DIGEST_B))?.digest, other.digest);
    await cache.putRelease(DIGEST_B, 'linux/amd64', { version: 'b', manifests: [] } as never);
    const models = path.join(cache.dir, 'releases', 'v3');
    fs.copyFileSync(path.join(models, fs.readdirSync(models)[0] as string), path.join(models, `${ReleaseCache.key(DIGEST_A, 'linux/amd64')}.json`));
    assert.equal(await cache.getRelease(DIGEST_A, 'linux/amd64'), undefined, 'a release model of another payload');
  });

  it('keeps entries of other schema versions side by side: an older okd-dev sharing the folder loses nothing', async () => {
    const cache = new ReleaseCache(path.join(root, 'versions'));
    const put = await cachePayload(cache, payload());
    // Where okd-dev before the versioned layout kept its entries, and a newer version's folder.
    const old = path.join(cache.dir, 'payloads', `${'a'.repeat(64)}.json`);
    fs.writeFileSync(old, JSON.stringify({ ...put, schema: 1 }));
    fs.mkdirSync(path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA + 1}`));
    const newer = path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA + 1}`, `${'a'.repeat(64)}.json`);
    fs.writeFileSync(newer, JSON.stringify({ ...put, schema: CACHE_SCHEMA + 1, shape: 'unknown to us' }));
    assert.equal((await cache.get(DIGEST_A))?.digest, DIGEST_A);
    assert.equal((await cache.list()).length, 1);
    assert.ok(fs.existsSync(old) && fs.existsSync(newer), 'neither version removes the other\'s entries');
  });

  it('makes its folders private and its files readable by the user only; refuses a folder every user may write to', async () => {
    const cache = new ReleaseCache(path.join(root, 'private', 'okd-dev'));
    await cachePayload(cache, payload());
    assert.equal(fs.statSync(cache.dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA}`)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(cache.dir, 'payloads', `v${CACHE_SCHEMA}`, `${'a'.repeat(64)}.json`)).mode & 0o777, 0o600);
    const shared = path.join(root, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777);
    const unsafe = new ReleaseCache(shared);
    const refused = (e: unknown) => {
      assert.match((e as Error).message, new RegExp(`^the release cache ${shared} is writable by every user \\(mode 777\\): its entries could have been put there by someone else$`));
      assert.match((e as { hint?: string }).hint ?? '', /chmod 700/);
      return true;
    };
    await assert.rejects(unsafe.get(DIGEST_A), refused);
    await assert.rejects(cachePayload(unsafe, payload()), refused);
    assert.deepEqual(fs.readdirSync(shared), [], 'nothing written into it');
    fs.chmodSync(shared, 0o700);
    assert.equal(await unsafe.get(DIGEST_A), undefined, 'usable once the user made it private');
  });

  it('remembers what a tag named under a hashed name inside the cache, per view', async () => {
    const cache = new ReleaseCache(path.join(root, 'tags'));
    const tag = 'registry.example:5000/okd/../../scos-release:4.19';
    await cache.putTag(tag, 'multi-linux/amd64', DIGEST_A);
    assert.equal((await cache.getTag(tag, 'multi-linux/amd64'))?.digest, DIGEST_A);
    assert.equal(await cache.getTag(tag, 'linux/arm64'), undefined);
    assert.match(fs.readdirSync(path.join(cache.dir, 'tags')).join(), /^[a-f0-9]{64}\.json$/);
    await assert.rejects(cache.putTag(tag, 'multi-linux/amd64', 'sha256:nope'), /is not a sha256 digest/);
  });

  it('returns the release it read when the cache cannot be written, with a warning', async () => {
    const files = releaseManifests({ version: '4.19.0-okd-scos.1', small: true });
    const layer = await buildLayer([...files].map(([name, text]) => ({ path: `release-manifests/${name}`, content: Buffer.from(text) })));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2025-01-01T00:00:00Z', config: { Labels: {} }, rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
    const registry = {
      resolveImage: async () => ({
        digest: DIGEST_A,
        mediaType: MediaTypes.ociManifest,
        manifest: { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: DIGEST_B, size: config.length }, layers: [layer] },
      }),
      readBlob: async (_registry: string, _repository: string, blob: { digest: string }) => (blob.digest === layer.digest ? layer.data : config),
    } as unknown as RegistryClient;
    // A file where the cache folder should be: every write fails (ENOTDIR / EEXIST).
    const blocked = path.join(root, 'blocked');
    fs.writeFileSync(blocked, 'not a folder');
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => void warnings.push(m) };
    const release = await readRelease('quay.io/okd/scos-release:4.19.0-okd-scos.1', { registry, cache: new ReleaseCache(blocked), logger });
    assert.equal(release.version, '4.19.0-okd-scos.1');
    assert.ok(release.manifests.length > 0);
    assert.equal(warnings.length, 3, warnings.join('\n')); // the tag memo, the payload and the model
    assert.ok(warnings.every((w) => w.startsWith(`release cache ${blocked} could not be written: `)), warnings.join('\n'));
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { buildLayer } from '../../src/core/image/layer';
import { type Logger, silentLogger } from '../../src/core/log';
import type { RegistryClient } from '../../src/core/registry/client';
import { MediaTypes } from '../../src/core/registry/types';
import { CACHE_SCHEMA, type CachedPayload, ReleaseCache } from '../../src/core/release/cache';
import { readRelease } from '../../src/core/release/reader';
import { releaseManifests } from '../support/payload/manifests';
import { DIGEST_A, DIGEST_B } from './release-fixtures';

const payload = (files: Record<string, string> = { 'image-references': '{}' }): CachedPayload => ({
  schema: CACHE_SCHEMA,
  pullSpec: `quay.io/okd/scos-release@${DIGEST_A}`,
  digest: DIGEST_A,
  created: '2025-01-01T00:00:00Z',
  os: 'linux',
  architecture: 'amd64',
  labels: {},
  layers: [DIGEST_B],
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
      await Promise.all(Array.from({ length: 8 }, () => cache.put(payload())));
    } finally {
      Date.now = now;
    }
    assert.deepEqual((await cache.get(DIGEST_A))?.digest, DIGEST_A);
    assert.deepEqual(fs.readdirSync(path.join(cache.dir, 'payloads')), [`${'a'.repeat(64)}.json`]);
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
      readBlob: async () => config,
      openBlob: async () => Readable.from([layer.data]),
    } as unknown as RegistryClient;
    // A file where the cache folder should be: every write fails (ENOTDIR / EEXIST).
    const blocked = path.join(root, 'blocked');
    fs.writeFileSync(blocked, 'not a folder');
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => void warnings.push(m) };
    const release = await readRelease('quay.io/okd/scos-release:4.19.0-okd-scos.1', { registry, cache: new ReleaseCache(blocked), logger });
    assert.equal(release.version, '4.19.0-okd-scos.1');
    assert.ok(release.manifests.length > 0);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.every((w) => w.startsWith(`release cache ${blocked} could not be written: `)), warnings.join('\n'));
  });
});

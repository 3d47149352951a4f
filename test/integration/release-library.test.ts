import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { ReleaseCache } from '../../src/core/release/cache';
import { ReleaseLibrary } from '../../src/core/release/library';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';

describe('release library with the disk cache', () => {
  let registry: TestRegistry;
  let payload: TestPayload;
  const file = '0000_50_cluster-image-registry-operator_07-operator.yaml';

  before(async () => {
    registry = await startRegistry();
    payload = await pushTestPayload({ client: new RegistryClient({ insecure: true }), registry: registry.host, repository: 'okd/scos-release', tag: '4.19.0-okd-scos.1', version: '4.19.0-okd-scos.1', tinyBase: true });
  });
  after(() => registry?.stop());

  it('keeps manifest texts out of the cached model and reads one on demand without the registry', async () => {
    const cache = new ReleaseCache(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-library-')));
    const first = new ReleaseLibrary({ registry: () => new RegistryClient({ insecure: true }), cache: () => cache });
    const fresh = await first.load(payload.pullSpec);
    // Even a fresh read keeps no texts in memory: they are read from the payload cache when opened.
    assert.ok(fresh.manifests.every((m) => m.content === undefined));
    assert.equal(await first.manifestContent(fresh, file), payload.files.get(file));

    // A new session: the model comes from the cache, small, without manifest texts.
    const client = new RegistryClient({ insecure: true });
    const second = new ReleaseLibrary({ registry: () => client, cache: () => cache });
    const cached = await second.load(payload.digestPullSpec);
    assert.equal(cached.manifests.length, fresh.manifests.length);
    assert.ok(cached.manifests.every((m) => m.content === undefined));
    const model = fs.readdirSync(path.join(cache.dir, 'releases')).map((name) => fs.statSync(path.join(cache.dir, 'releases', name)).size);
    assert.ok(Math.max(...model) < 1_000_000, `cached model sizes ${model.join(', ')} bytes`);
    const requests = client.stats.requests;
    assert.equal(await second.manifestContent(cached, file), payload.files.get(file));
    assert.equal(client.stats.requests, requests, 'the manifest text came from the payload cache');
    await assert.rejects(second.manifestContent(cached, 'nope.yaml'), /has no manifest nope\.yaml/);
  });
});

// readRelease with allowOffline: a read by tag while the registry cannot be reached answers with the tag's last read,
// and only then. The registry is a stand-in whose headManifest and resolveImage fail the way the transport does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import type { RegistryClient } from '../../src/core/registry/client';
import { CACHE_SCHEMA, ReleaseCache } from '../../src/core/release/cache';
import { diffReleases } from '../../src/core/release/diff';
import { readRelease } from '../../src/core/release/reader';
import { renderReleaseDiff } from '../../src/core/release/render';
import { cachePayload } from '../support/payload/cache';
import { releaseManifests } from '../support/payload/manifests';
import { DIGEST_A, DIGEST_B } from './release-fixtures';

const TAG = 'registry.example/okd/scos-release:4.19.0-okd-scos.1';
const VIEW = 'multi-linux/amd64';

function failing(err: Error): RegistryClient {
  const fail = async () => {
    throw err;
  };
  return { headManifest: fail, resolveImage: fail, readBlob: fail } as unknown as RegistryClient;
}

const withCode = (code: string) => Object.assign(new Error(code), { code });
const unreachable = (code: string) =>
  new OkdError('unreachable', `registry registry.example did not answer GET /v2/: ${code}`, 'check that the registry is up', { cause: withCode(code) });

describe('reading a release by tag while its registry cannot be reached', () => {
  let root: string;
  let cache: ReleaseCache;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-offline-'));
    cache = new ReleaseCache(root);
    const files = Object.fromEntries(releaseManifests({ version: '4.19.0-okd-scos.1', small: true }));
    await cachePayload(cache, { schema: CACHE_SCHEMA, pullSpec: TAG, digest: DIGEST_A, created: '2025-01-01T00:00:00Z', os: 'linux', architecture: 'amd64', labels: {}, files });
    await cache.putTag(TAG, VIEW, DIGEST_A);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']) {
    it(`answers with the tag's last read, marked offline, on ${code}`, async () => {
      const release = await readRelease(TAG, { registry: failing(unreachable(code)), cache, allowOffline: true });
      assert.equal(release.digest, DIGEST_A);
      assert.equal(release.version, '4.19.0-okd-scos.1');
      assert.equal(release.offline?.reason, `registry registry.example did not answer GET /v2/: ${code}`);
      assert.match(release.warnings[0] ?? '', new RegExp(`; showing ${DIGEST_A}, which ${TAG.replace(/\./g, '\\.')} named when it was last read \\(.+\\): the tag may have moved since$`));
      assert.equal(fs.existsSync(path.join(root, 'releases')), false, 'the offline model is never written to the cache');
    });
  }

  it('says first in a comparison that a side was read offline', async () => {
    const offline = await readRelease(TAG, { registry: failing(unreachable('ECONNREFUSED')), cache, allowOffline: true });
    const online = { ...offline, offline: undefined, warnings: offline.warnings.slice(1) };
    const text = renderReleaseDiff(offline, online, diffReleases(offline, online));
    assert.equal(text, `Offline: ${offline.warnings[0]}\nReleases are identical\n`);
    assert.equal(renderReleaseDiff(online, online, diffReleases(online, online)), 'Releases are identical\n');
  });

  it('fails as before without allowOffline', async () => {
    await assert.rejects(readRelease(TAG, { registry: failing(unreachable('ECONNREFUSED')), cache }), /did not answer GET \/v2\/: ECONNREFUSED/);
  });

  it('fails on certificate and TLS errors, not-found, unauthorized and not-a-payload, whose fix is the user\'s', async () => {
    const errors = [
      new OkdError('unreachable', 'the TLS certificate of registry registry.example was not accepted', 'pass --ca-file', { cause: withCode('SELF_SIGNED_CERT_IN_CHAIN') }),
      new OkdError('unreachable', 'registry registry.example did not answer GET /v2/ over TLS', 'use --insecure', { cause: withCode('EPROTO') }),
      new OkdError('not-found', 'manifest unknown'),
      new OkdError('unauthorized', 'unauthorized'),
      new OkdError('not-a-payload', 'not a payload'),
    ];
    for (const err of errors) await assert.rejects(readRelease(TAG, { registry: failing(err), cache, allowOffline: true }), (e) => e === err);
  });

  it('fails for a tag it never read', async () => {
    await assert.rejects(readRelease(TAG.replace(/1$/, '2'), { registry: failing(unreachable('ECONNREFUSED')), cache, allowOffline: true }), /ECONNREFUSED/);
  });

  it('records a tag only once its payload is read: a failed read leaves the last good one', async () => {
    const moved = {
      // The tag was read before, so the reader asks by HEAD first: it names a payload the cache does not have.
      headManifest: async () => ({ digest: DIGEST_B, via: 'HEAD' }),
      resolveImage: async () => ({ digest: DIGEST_B, mediaType: 'application/vnd.oci.image.manifest.v1+json', manifest: { schemaVersion: 2, config: { digest: DIGEST_A, size: 2 }, layers: [{ digest: DIGEST_B, size: 10 }] } }),
      readBlob: async () => {
        throw new OkdError('integrity', 'blob does not match its digest');
      },
    } as unknown as RegistryClient;
    await assert.rejects(readRelease(TAG, { registry: moved, cache, allowOffline: true }), /does not match its digest/);
    assert.equal((await cache.getTag(TAG, VIEW))?.digest, DIGEST_A);
  });
});

// Memory that does not grow with the payload cache: the hover index comes from small per-release summaries kept in
// the cache (rebuilt when missing or of another schema), and manifest texts are read on demand through an LRU
// bounded by bytes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { hoverMarkdown } from '../../src/core/hover/content';
import { detectPullspec } from '../../src/core/hover/detect';
import { lookupPullspec } from '../../src/core/hover/lookup';
import { RegistryClient } from '../../src/core/registry/client';
import { CACHE_SCHEMA, type CachedPayload, ReleaseCache, SUMMARY_SCHEMA } from '../../src/core/release/cache';
import { ReleaseLibrary } from '../../src/core/release/library';
import { ManifestTexts } from '../../src/core/release/manifestTexts';
import { releaseFromPayload } from '../../src/core/release/reader';
import { cachePayload } from '../support/payload/cache';
import { metadataFor, payload410 } from './release-fixtures';

const CIRO = 'cluster-image-registry-operator';
const MANIFEST = '0000_50_cluster-image-registry-operator_07-operator.yaml';

/** Release i of a cache of `count`: the real 4.10 payload, with CIRO rebuilt (its own digest) in every release. */
function benchRelease(i: number): { version: string; ciro: string; payload: Omit<CachedPayload, 'layers'> } {
  const input = payload410();
  const refs = JSON.parse(input.files.get('image-references') as string) as { spec: { tags: { name: string; from: { name: string } }[] } };
  const tag = refs.spec.tags.find((t) => t.name === CIRO);
  assert.ok(tag);
  const repo = tag.from.name.slice(0, tag.from.name.indexOf('@'));
  tag.from.name = `${repo}@sha256:${'c'.repeat(62)}${i.toString(16).padStart(2, '0')}`;
  const version = `4.19.0-okd-scos.${i}`;
  input.files.set('image-references', JSON.stringify(refs));
  input.files.set('release-metadata', metadataFor(version, []));
  return {
    version,
    ciro: tag.from.name,
    payload: {
      schema: CACHE_SCHEMA,
      pullSpec: `quay.io/okd/scos-release:${version}`,
      digest: `sha256:${'d'.repeat(62)}${i.toString(16).padStart(2, '0')}`,
      created: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
      os: 'linux',
      architecture: 'amd64',
      labels: {},
      files: Object.fromEntries(input.files),
    },
  };
}

/** The release model the reader builds from a cached payload. */
const modelOf = (payload: Omit<CachedPayload, 'layers'>) => releaseFromPayload({ ...payload, layers: [] });

function hoverOn(library: ReleaseLibrary, pullspec: string): string {
  const line = `        image: ${pullspec}`;
  const detected = detectPullspec(line, 20);
  assert.ok(detected);
  return hoverMarkdown({ pullspec: detected.pullspec, text: detected.text, found: lookupPullspec(library, detected.pullspec, detected.pullspec.digest) });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'okd-release-memory-'));
}

const newLibrary = (cache: ReleaseCache, manifestCacheBytes?: number) =>
  new ReleaseLibrary({ registry: () => new RegistryClient(), cache: () => cache, ...(manifestCacheBytes === undefined ? {} : { manifestCacheBytes: () => manifestCacheBytes }) });

describe('manifest texts: an LRU bounded by bytes', () => {
  it('drops the least recently used texts once the bound is reached, counting UTF-8 bytes', () => {
    const lru = new ManifestTexts(10);
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    assert.equal(lru.get('a'), 'aaaa'); // a is now the most recent
    lru.set('c', 'cc€'); // 5 bytes: b goes, a stays
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 'aaaa');
    assert.equal(lru.get('c'), 'cc€');
    assert.equal(lru.bytes, 9);
    lru.set('huge', 'x'.repeat(11)); // larger than the bound: not kept, nothing dropped for it
    assert.equal(lru.get('huge'), undefined);
    assert.equal(lru.size, 2);
    lru.setLimit(5);
    assert.deepEqual([lru.get('a'), lru.get('c')], [undefined, 'cc€']);
  });

  it('re-reads an evicted manifest from the payload cache and gives the same text', async () => {
    const dir = tempDir();
    try {
      let blobReads = 0;
      const cache = new (class extends ReleaseCache {
        override get(digest: string, platform?: string) {
          blobReads++;
          return super.get(digest, platform);
        }
      })(dir);
      const { payload } = benchRelease(1);
      await cachePayload(cache, payload);
      const expected = payload.files[MANIFEST] as string;
      const other = Object.keys(payload.files).find((f) => f.endsWith('.yaml') && f !== MANIFEST) as string;
      // Room for one of the two texts only.
      const library = newLibrary(cache, Buffer.byteLength(expected) + 10);
      const release = await library.load(`quay.io/okd/scos-release@${payload.digest}`);
      assert.ok(release.manifests.every((m) => m.content === undefined), 'a loaded release keeps no manifest texts');
      blobReads = 0;
      assert.equal(await library.manifestContent(release, MANIFEST), expected);
      assert.equal(await library.manifestContent(release, MANIFEST), expected);
      assert.equal(blobReads, 1, 'the second read came from memory');
      assert.equal(await library.manifestContent(release, other), payload.files[other]);
      assert.equal(await library.manifestContent(release, MANIFEST), expected, 'evicted, read again, same text');
      assert.equal(blobReads, 3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the hover index from cached release summaries', () => {
  it('finds the right component among 20 cached releases, and a later session needs no payload', async () => {
    const dir = tempDir();
    try {
      const cache = new ReleaseCache(dir);
      const releases = Array.from({ length: 20 }, (_, i) => benchRelease(i));
      for (const r of releases) await cachePayload(cache, r.payload);
      const first = newLibrary(cache);
      await first.scanCache();
      assert.equal(first.releases().length, 20);
      const md = hoverOn(first, releases[7]!.ciro);
      assert.match(md, /^\*\*cluster-image-registry-operator\*\* in 4\.19\.0-okd-scos\.7 {2}\n/);
      assert.doesNotMatch(md, /more\)/, 'its digest is in release 7 only');
      // A component no release rebuilt: in all 20, newest first.
      const shared = modelOf(releases[0]!.payload).components.find((c) => c.name === 'cluster-samples-operator');
      assert.ok(shared);
      assert.match(hoverOn(first, shared.pullSpec), /^\*\*cluster-samples-operator\*\* in 4\.19\.0-okd-scos\.19 \(and 19 more\)/);
      assert.equal(fs.readdirSync(path.join(dir, 'summaries', `v${SUMMARY_SCHEMA}`)).length, 20);

      // The next session indexes from the summaries alone: without the payloads' blobs it still finds release 7.
      fs.rmSync(path.join(dir, 'blobs'), { recursive: true });
      const second = newLibrary(cache);
      await second.scanCache();
      assert.match(hoverOn(second, releases[7]!.ciro), /^\*\*cluster-image-registry-operator\*\* in 4\.19\.0-okd-scos\.7 {2}\n/);
      assert.match(hoverOn(second, `quay.io/okd/scos-release@${releases[3]!.payload.digest}`), /^\*\*Release payload 4\.19\.0-okd-scos\.3\*\*/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-reads a cache of the previous format (payloads and models, no summaries) and one of another summary schema', async () => {
    const dir = tempDir();
    try {
      const cache = new ReleaseCache(dir);
      const a = benchRelease(1);
      const b = benchRelease(2);
      for (const r of [a, b]) {
        await cachePayload(cache, r.payload);
        // The model, as an older okd-dev's reader wrote it.
        await cache.putRelease(r.payload.digest, 'multi-linux/amd64', modelOf(r.payload));
      }
      // A summary file that says something else, under a schema this version does not write.
      const planted = path.join(dir, 'summaries', `v${SUMMARY_SCHEMA}`, `${b.payload.digest.slice(7)}.json`);
      fs.mkdirSync(path.dirname(planted), { recursive: true });
      const wrong = { ...modelOf(a.payload), version: 'wrong' };
      fs.writeFileSync(planted, JSON.stringify({ schema: SUMMARY_SCHEMA + 100, digest: b.payload.digest, summary: { ...wrong, components: [], operatorCount: 0, manifestCount: 0 } }));

      const library = newLibrary(cache);
      await library.scanCache();
      assert.match(hoverOn(library, a.ciro), /in 4\.19\.0-okd-scos\.1 {2}\n/);
      assert.match(hoverOn(library, b.ciro), /in 4\.19\.0-okd-scos\.2 {2}\n/);
      const rewritten = JSON.parse(fs.readFileSync(planted, 'utf8')) as { schema: number; summary: { version: string } };
      assert.deepEqual([rewritten.schema, rewritten.summary.version], [SUMMARY_SCHEMA, '4.19.0-okd-scos.2']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

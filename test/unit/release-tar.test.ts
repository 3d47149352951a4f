import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import * as tarStream from 'tar-stream';
import { OkdError } from '../../src/core/errors';
import { defaultLayerReadLimits, layerTooLarge, readReleaseManifests, safeEntryPath } from '../../src/core/release/tar';

type Entry = Partial<tarStream.Header> & { name: string; content?: string };

/** A tar written by tar-stream's packer, with whatever names, types and links a test needs. */
async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => pack.entry(header, content ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const file = (name: string, content: string): Entry => ({ name, content, size: Buffer.byteLength(content) });

async function rejection(promise: Promise<unknown>): Promise<OkdError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof OkdError, `expected an OkdError, got ${String(err)}`);
  return err;
}

describe('reading release-manifests/ from a top layer', () => {
  it('keeps regular files directly under release-manifests/, named with or without ./, gzip or plain', async () => {
    const tar = await tarOf([
      { name: './release-manifests/', type: 'directory' },
      file('./release-manifests/image-references', '{"kind":"ImageStream"}'),
      file('release-manifests/0000_50_x_deployment.yaml', 'kind: Deployment\n'),
      file('release-manifests/sub/nested.yaml', 'ignored: true\n'),
      file('usr/bin/cluster-version-operator', 'binary'),
    ]);
    for (const data of [tar, zlib.gzipSync(tar)]) {
      const files = await readReleaseManifests(data, 'L');
      assert.deepEqual(Object.fromEntries(files), { 'image-references': '{"kind":"ImageStream"}', '0000_50_x_deployment.yaml': 'kind: Deployment\n' });
    }
  });

  it('reads names longer than the 100 bytes of a ustar header (PAX)', async () => {
    const long = `0000_50_cluster-monitoring-operator_${'x'.repeat(150)}.yaml`;
    const files = await readReleaseManifests(zlib.gzipSync(await tarOf([file(`release-manifests/${long}`, 'a: 1\n')])), 'L');
    assert.deepEqual([...files.keys()], [long]);
  });

  it('refuses a link inside release-manifests/ and an entry escaping with ..', async () => {
    const link = await tarOf([{ name: 'release-manifests/image-references', type: 'symlink', linkname: '/etc/passwd' }]);
    assert.equal(
      (await rejection(readReleaseManifests(link, 'L'))).message,
      "layer L has a link 'release-manifests/image-references' -> '/etc/passwd' in release-manifests/",
    );
    const escaping = await tarOf([file('release-manifests/../../etc/cron.d/x', 'x')]);
    assert.equal((await rejection(readReleaseManifests(escaping, 'L'))).message, "layer L has an entry 'release-manifests/../../etc/cron.d/x' that escapes the layer with '..'");
  });

  it('refuses absolute names', () => {
    assert.throws(() => safeEntryPath('/release-manifests/x', 'L'), /layer L has an entry with an absolute name '\/release-manifests\/x'/);
    assert.equal(safeEntryPath('./release-manifests//x', 'L'), 'release-manifests/x');
  });

  it('names a truncated gzip stream, a truncated tar and zstd data', async () => {
    const gz = zlib.gzipSync(await tarOf([file('release-manifests/image-references', 'y'.repeat(20000))]), { level: 0 });
    assert.equal((await rejection(readReleaseManifests(gz.subarray(0, gz.length >> 1), 'L'))).message, 'layer L is corrupt: the gzip data ends early (truncated layer)');
    const tar = await tarOf([file('release-manifests/image-references', 'y'.repeat(20000))]);
    assert.match((await rejection(readReleaseManifests(tar.subarray(0, 5000), 'L'))).message, /^layer L is corrupt: /);
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    assert.equal((await rejection(readReleaseManifests(zstd, 'L'))).message, 'layer L is zstd-compressed');
  });

  it('stops at the decompressed and kept size limits', async () => {
    const big = zlib.gzipSync(await tarOf([file('release-manifests/image-references', 'z'.repeat(3 * 1048576))]));
    const limits = { ...defaultLayerReadLimits, maxDecompressedBytes: 1048576 };
    assert.equal((await rejection(readReleaseManifests(big, 'L', limits))).message, 'layer L decompresses to more than 1 MiB');
    const kept = { ...defaultLayerReadLimits, maxKeptBytes: 1048576 };
    assert.equal((await rejection(readReleaseManifests(big, 'L', kept))).message, 'release-manifests/ in layer L is larger than 1 MiB');
    assert.equal(layerTooLarge('L', 300 * 1048576).message, 'layer L is 300 MiB, more than the 64 MiB a release-manifests layer can be');
  });
});

import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openLayoutBlob, pushOciLayout, readOciLayout } from '../../src/core/build/ocilayout';
import type { RegistryClient } from '../../src/core/registry/client';
import { MediaTypes } from '../../src/core/registry/types';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Layout {
  dir: string;
  layer: { mediaType: string; digest: string; size: number };
  config: { mediaType: string; digest: string; size: number };
  manifest: { mediaType: string; digest: string; size: number };
}

/** Writes an OCI layout like `buildah push IMAGE oci:DIR`; `tamper` edits the documents before they are written. */
function writeLayout(
  dir: string,
  tamper: { config?: (c: Buffer) => Buffer; manifestConfigDigest?: string; manifestDigest?: string; nested?: boolean } = {},
): Layout {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer, name = sha(bytes)) => {
    fs.writeFileSync(path.join(blobs, name.slice('sha256:'.length)), bytes);
    return name;
  };
  const layerBytes = Buffer.from('not really gzip, but bytes with a digest: '.repeat(100));
  const layer = { mediaType: MediaTypes.ociLayerGzip, digest: put(layerBytes), size: layerBytes.length };
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha('diff')] }, config: {} }));
  const configDigest = sha(configBytes);
  put(tamper.config ? tamper.config(configBytes) : configBytes, configDigest);
  const config = { mediaType: MediaTypes.ociConfig, digest: tamper.manifestConfigDigest ?? configDigest, size: configBytes.length };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer] }));
  const manifest = { mediaType: MediaTypes.ociManifest, digest: tamper.manifestDigest ?? put(manifestBytes), size: manifestBytes.length };
  let entry: { mediaType: string; digest: string; size: number } = manifest;
  if (tamper.nested) {
    const nestedBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [manifest] }));
    entry = { mediaType: MediaTypes.ociIndex, digest: put(nestedBytes), size: nestedBytes.length };
  }
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return { dir, layer, config, manifest };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('OCI layout reading verifies every blob', () => {
  let root: string;
  let n = 0;
  const fresh = () => path.join(root, String(n++));

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-ocilayout-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads an intact layout (directly and through a nested index) and streams its layer', async () => {
    for (const nested of [false, true]) {
      const layout = writeLayout(fresh(), { nested });
      const image = readOciLayout(layout.dir);
      assert.equal(image.config.architecture, 'amd64');
      assert.deepEqual(image.manifest.layers, [layout.layer]);
      assert.equal(sha(await drain(openLayoutBlob(layout.dir, layout.layer))), layout.layer.digest);
    }
  });

  it('rejects a config whose bytes do not match its digest', () => {
    const layout = writeLayout(fresh(), { config: (c) => Buffer.from(c.toString().replace('amd64', 'arm64')) });
    assert.throws(() => readOciLayout(layout.dir), { kind: 'integrity', message: new RegExp(`^blob ${layout.config.digest} from the OCI layout .* does not match its digest`) });
  });

  it('rejects a manifest naming a config digest whose blob has other bytes', () => {
    const other = Buffer.from('{"architecture":"s390x","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const dir = fresh();
    fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    const wrong = `sha256:${'c'.repeat(64)}`;
    fs.writeFileSync(path.join(dir, 'blobs', 'sha256', 'c'.repeat(64)), other);
    writeLayout(dir, { manifestConfigDigest: wrong });
    // The size differs too, which is checked first; either way it is an integrity error for that blob.
    assert.throws(() => readOciLayout(dir), { kind: 'integrity', message: new RegExp(`^blob ${wrong} from the OCI layout ${dir} is 78 bytes where its descriptor says \\d+$`) });
  });

  it('rejects a digest that is not sha256:<64 hex> before building a path from it', () => {
    const dir = fresh();
    fs.mkdirSync(dir, { recursive: true });
    // A JSON file the traversal would reach: the layout must not read it.
    fs.writeFileSync(path.join(root, 'x'), '{"schemaVersion":2,"config":{"digest":"sha256:0"},"layers":[]}');
    for (const digest of ['sha256:../../x', 'sha512:' + 'a'.repeat(128), `sha256:${'A'.repeat(64)}`, 'sha256:abc']) {
      writeLayout(dir, { manifestDigest: digest });
      assert.throws(() => readOciLayout(dir), { kind: 'integrity', message: `bad digest "${digest}" in the OCI layout ${dir}: only sha256:<64 hex> digests are read` });
    }
    assert.throws(() => openLayoutBlob(dir, { digest: 'sha256:../../x', size: 1 }), { kind: 'integrity' });
  });

  it('fails a layer stream whose bytes were changed on disk, so nothing is pushed as that digest', async () => {
    const layout = writeLayout(fresh());
    const file = path.join(layout.dir, 'blobs', 'sha256', layout.layer.digest.slice('sha256:'.length));
    const bytes = fs.readFileSync(file);
    bytes[10] = (bytes[10] as number) ^ 0x01;
    fs.writeFileSync(file, bytes);
    await assert.rejects(drain(openLayoutBlob(layout.dir, layout.layer)), { kind: 'integrity', message: new RegExp(`^blob ${layout.layer.digest} from the OCI layout .* does not match its digest`) });

    // Through the push: the data handed to the registry client fails instead of ending.
    const image = readOciLayout(layout.dir);
    const client = {
      blobExists: async () => false,
      pushBlob: async (_r: string, _repo: string, blob: { digest: string; size: number; data: Buffer | (() => Readable) }) => {
        if (typeof blob.data === 'function') await drain(blob.data());
        return { digest: blob.digest, size: blob.size, how: 'uploaded' as const };
      },
      putManifest: async () => sha('manifest'),
    } as unknown as RegistryClient;
    await assert.rejects(pushOciLayout(client, image, { registry: 'quay.io', repository: 'okd/app' }, 'dev', []), { kind: 'integrity' });
  });
});

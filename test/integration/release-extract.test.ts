import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { type FixtureTag, fixtureTags } from '../support/payload/manifests';
import { startRegistry, type TestRegistry } from '../support/registry';
import { pushComponentImages } from '../support/sandbox/componentImages';
import { pushLayeredImage, SLOT_OFFSETS, slotValue, standInInstaller } from './release-new-support';

const INSTALL = 'usr/bin/openshift-install';

describe('okd-dev release extract --command=openshift-install against a real registry', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let binary: Buffer;
  let older: Buffer;
  let payload: TestPayload;
  let n = 0;

  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'okd-extract-'));

  /** A small payload whose installer tag is `image` (or no installer at all). */
  async function payloadWith(image: string | undefined, version = `4.10.0-okd-extract.${++n}`): Promise<TestPayload> {
    const tags: FixtureTag[] = fixtureTags()
      .filter((t) => image !== undefined || t.name !== 'installer')
      .map((t) => (t.name === 'installer' && image ? { ...t, from: { kind: 'DockerImage', name: image } } : t));
    return pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: `extract-${n}`, version, tags, small: true, tinyBase: true });
  }

  async function installerImage(layers: { path: string; content: Buffer; mode?: number }[][]): Promise<string> {
    return pushLayeredImage(client, registry.host, 'okd/installer', `layered-${++n}`, layers);
  }

  before(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecure: true });
    binary = standInInstaller();
    older = standInInstaller(1000 * 1024);
    const [installer] = await pushComponentImages(fixtureTags().filter((t) => t.name === 'installer'), {
      client,
      registry: registry.host,
      repository: 'okd/scos-content',
      extraFiles: { installer: [{ path: INSTALL, content: binary, mode: 0o755 }] },
    });
    payload = await payloadWith(installer?.from.name, '4.10.0-okd-extract.0');
  });

  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('writes DIR/openshift-install with the markers patched, its size unchanged and mode 0755', async () => {
    const dir = tmp();
    const result = await runCli(['release', 'extract', '--command=openshift-install', payload.pullSpec, '--to', dir, '--insecure']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const file = path.join(dir, 'openshift-install');
    assert.deepEqual(fs.readdirSync(dir), ['openshift-install'], 'only the one file is written');
    const out = fs.readFileSync(file);
    assert.equal(out.length, binary.length);
    assert.equal(fs.statSync(file).mode & 0o777, 0o755);
    const releaseImage = `${registry.host}/okd/scos-release@${payload.digest}`;
    assert.equal(slotValue(out, SLOT_OFFSETS.image), releaseImage);
    assert.equal(slotValue(out, SLOT_OFFSETS.version), '4.10.0-okd-extract.0');
    assert.equal(slotValue(out, SLOT_OFFSETS.architecture), 'linux/amd64');
    // Outside the three slots, every byte is the image's.
    const slots = [[SLOT_OFFSETS.image, 327], [SLOT_OFFSETS.version, 93], [SLOT_OFFSETS.architecture, 98]] as const;
    let from = 0;
    for (const [offset, total] of [...slots].sort((a, b) => a[0] - b[0])) {
      assert.ok(out.subarray(from, offset).equals(binary.subarray(from, offset)), `bytes ${from}..${offset} unchanged`);
      assert.ok(out.subarray(offset + total - 1, offset + total).every((b) => b === 0), 'slot ends in NUL');
      from = offset + total;
    }
    assert.ok(out.subarray(from).equals(binary.subarray(from)));
    assert.match(result.stdout, new RegExp(`^Wrote ${file.replace(/[.]/g, '\\.')} \\(${binary.length} bytes, mode 0755\\)$`, 'm'));
    assert.match(result.stdout, new RegExp(`^  release image: ${releaseImage}$`, 'm'));
  });

  it('takes the file from a lower layer when the top layer does not have it', async () => {
    const image = await installerImage([[{ path: INSTALL, content: binary, mode: 0o755 }], [{ path: 'usr/share/doc/installer/README', content: Buffer.from('docs') }]]);
    const p = await payloadWith(image);
    const dir = tmp();
    const result = await runCli(['release', 'extract', '--command=openshift-install', p.pullSpec, '--to', dir, '--insecure', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { size: number; layer: { fromTop: number; of: number }; patched: { name: string }[]; missing: string[] };
    assert.deepEqual(json.layer, { ...json.layer, fromTop: 2, of: 2 });
    assert.equal(json.size, binary.length);
    assert.deepEqual(json.missing, []);
    assert.equal(slotValue(fs.readFileSync(path.join(dir, 'openshift-install')), SLOT_OFFSETS.version), `4.10.0-okd-extract.${n}`);
  });

  it('uses the upper layer\'s copy over an older one below it (re-added after a whiteout)', async () => {
    const image = await installerImage([
      [{ path: INSTALL, content: older, mode: 0o755 }],
      [{ path: 'usr/bin/.wh.openshift-install', content: Buffer.alloc(0) }],
      [{ path: INSTALL, content: binary, mode: 0o755 }],
    ]);
    const p = await payloadWith(image);
    const dir = tmp();
    const result = await runCli(['release', 'extract', '--command=openshift-install', p.pullSpec, '--to', dir, '--insecure']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(fs.statSync(path.join(dir, 'openshift-install')).size, binary.length, 'the top copy, not the older one');
  });

  it('honours a .wh. whiteout: an older openshift-install in a lower layer is deleted', async () => {
    const image = await installerImage([
      [{ path: INSTALL, content: older, mode: 0o755 }],
      [{ path: 'usr/bin/.wh.openshift-install', content: Buffer.alloc(0) }],
      [{ path: 'usr/share/doc/README', content: Buffer.from('x') }],
    ]);
    const p = await payloadWith(image);
    const dir = tmp();
    const result = await runCli(['release', 'extract', '--command=openshift-install', p.pullSpec, '--to', dir, '--insecure']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: usr/bin/openshift-install is deleted in ${image}: layer 2 from the top has a whiteout for usr/bin/openshift-install. The installer image does not provide openshift-install\n`);
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing is written');
  });

  it('honours an opaque folder (.wh..wh..opq) over the lower layers', async () => {
    const image = await installerImage([
      [{ path: INSTALL, content: older, mode: 0o755 }],
      [{ path: 'usr/bin/.wh..wh..opq', content: Buffer.alloc(0) }, { path: 'usr/bin/other', content: Buffer.from('x') }],
    ]);
    const p = await payloadWith(image);
    const dir = tmp();
    const result = await runCli(['release', 'extract', '--command=openshift-install', p.pullSpec, '--to', dir, '--insecure']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: usr/bin/openshift-install is deleted in ${image}: layer 1 from the top has a whiteout for usr/bin/. The installer image does not provide openshift-install\n`);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('refuses a layer with entries escaping the image root and writes nothing outside DIR', async () => {
    const image = await installerImage([[{ path: INSTALL, content: binary, mode: 0o755 }], [{ path: '../escaped', content: Buffer.from('x') }]]);
    const p = await payloadWith(image);
    const parent = tmp();
    const dir = path.join(parent, 'out');
    const result = await runCli(['release', 'extract', '--command=openshift-install', p.pullSpec, '--to', dir, '--insecure']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: layer sha256:[a-f0-9]{64} of .* has an entry '\.\.\/' that escapes the layer with '\.\.'\. /);
    assert.deepEqual(fs.readdirSync(parent), ['out']);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('says when a value does not fit its marker, before writing anything', async () => {
    const version = `4.10.0-${'a'.repeat(90)}`;
    const [installer] = await pushComponentImages(fixtureTags().filter((t) => t.name === 'installer'), { client, registry: registry.host, repository: 'okd/scos-content', extraFiles: { installer: [{ path: INSTALL, content: binary, mode: 0o755 }] } });
    const long = await payloadWith(installer?.from.name, version);
    const dir = tmp();
    const result = await runCli(['release', 'extract', '--command=openshift-install', long.pullSpec, '--to', dir, '--insecure']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: the release version "${version}" is 97 bytes, but usr/bin/openshift-install of openshift-install has room for 92. Push the release to a shorter repository name or give it a shorter name\n`);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('names a release without an installer image, and rejects unsupported commands as usage errors', async () => {
    const p = await payloadWith(undefined);
    const result = await runCli(['release', 'extract', '--command=openshift-install', p.pullSpec, '--to', tmp(), '--insecure']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: release ${p.pullSpec} has no installer image, which holds openshift-install. \`okd-dev release info ${p.pullSpec}\` lists its images\n`);
    const usage = await runCli(['release', 'extract', '--command=ccoctl', p.pullSpec]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr.split('\n')[0], 'okd-dev: --command ccoctl is not supported: choose openshift-install or oc');
  });
});

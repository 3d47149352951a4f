import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fromAbortSignal } from '../../src/core/cancel';
import { RegistryClient } from '../../src/core/registry/client';
import { extractCommand } from '../../src/core/release/extract';
import { runCli } from '../support/cli';
import { pushToolImages, standInTool, TOOL_SLOTS, type ToolImages } from '../support/payload/artifacts';
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
    assert.match(result.stdout, new RegExp(`^Wrote ${file.replace(/[.]/g, '\\.')} \\(${binary.length} bytes, mode 0755\\) for linux/amd64$`, 'm'));
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
    assert.equal(result.stderr, `error: release ${p.pullSpec} has no installer image, which holds openshift-install for linux/amd64. Of the images oc takes openshift-install from, it has installer-artifacts (for mac/amd64, mac/arm64, linux/amd64, linux/arm64); \`okd-dev release info ${p.pullSpec}\` lists its images\n`);
    const usage = await runCli(['release', 'extract', '--command=ccoctl', p.pullSpec]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr.split('\n')[0], 'okd-dev: --command ccoctl is not supported: choose openshift-install or oc');
  });
});

describe('okd-dev release extract for the user\'s machine: --command-os and the artifacts images', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let full: TestPayload;
  let tools: ToolImages;
  let n = 0;

  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'okd-extract-os-'));

  async function payloadOf(images: ToolImages, v = `4.10.0-okd-tools.${++n}`): Promise<TestPayload> {
    return pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: `tools-${n}`, version: v, tags: images.tags, small: true, tinyBase: true });
  }

  before(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecure: true });
    tools = await pushToolImages(fixtureTags(), { client, registry: registry.host, repository: 'okd/scos-content' });
    full = await payloadOf(tools, '4.10.0-okd-tools.0');
  });

  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  const extract = (command: string, commandOs: string | undefined, p: TestPayload, dir: string, ...more: string[]) =>
    runCli(['release', 'extract', `--command=${command}`, ...(commandOs !== undefined ? [`--command-os=${commandOs}`] : []), '--to', dir, p.pullSpec, '--insecure', ...more]);

  it('oc for mac/arm64 comes from cli-artifacts usr/share/openshift/mac_arm64/oc, version marker set', async () => {
    const dir = tmp();
    const result = await extract('oc', 'mac/arm64', full, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(fs.readdirSync(dir), ['oc']);
    const file = path.join(dir, 'oc');
    assert.equal(fs.statSync(file).mode & 0o777, 0o755);
    const out = fs.readFileSync(file);
    const original = standInTool('usr/share/openshift/mac_arm64/oc');
    assert.equal(out.length, original.length);
    assert.equal(slotValue(out, TOOL_SLOTS.version), '4.10.0-okd-tools.0');
    assert.ok(out.subarray(0, TOOL_SLOTS.version).equals(original.subarray(0, TOOL_SLOTS.version)), 'the mac_arm64 file, unchanged before its slot');
    assert.ok(out.subarray(TOOL_SLOTS.version + 93).equals(original.subarray(TOOL_SLOTS.version + 93)));
    assert.match(result.stdout, new RegExp(`^Wrote ${file.replace(/[.]/g, '\\.')} \\(${original.length} bytes, mode 0755\\) for mac/arm64$`, 'm'));
    assert.match(result.stdout, new RegExp(`^  from /usr/share/openshift/mac_arm64/oc in ${tools.images['cli-artifacts']?.replace(/[.]/g, '\\.')} \\(cli-artifacts\\), layer 1 of 2 from the top$`, 'm'));
    assert.match(result.stdout, /^ {2}release version: 4\.10\.0-okd-tools\.0$/m);
  });

  it('picks each platform\'s file as oc does: linux on the payload\'s arch from cli, the rest from cli-artifacts; windows gets oc.exe', async () => {
    const cases: [string, string, string, string][] = [
      ['linux', 'oc', 'usr/bin/oc', 'cli'],
      ['linux/amd64', 'oc', 'usr/bin/oc', 'cli'],
      ['linux/arm64', 'oc', 'usr/share/openshift/linux_arm64/oc', 'cli-artifacts'],
      ['mac', 'oc', 'usr/share/openshift/mac/oc', 'cli-artifacts'],
      ['darwin/amd64', 'oc', 'usr/share/openshift/mac/oc', 'cli-artifacts'],
      ['windows', 'oc.exe', 'usr/share/openshift/windows/oc.exe', 'cli-artifacts'],
    ];
    for (const [commandOs, name, from, image] of cases) {
      const dir = tmp();
      const result = await extract('oc', commandOs, full, dir, '-o', 'json');
      assert.equal(result.code, 0, `${commandOs}: ${result.stderr}`);
      const json = JSON.parse(result.stdout) as { file: string; path: string; component: string; commandOs: string; image: string };
      assert.deepEqual(fs.readdirSync(dir), [name], commandOs);
      assert.deepEqual([json.path, json.component, json.image], [from, image, tools.images[image]], commandOs);
      assert.equal(json.file, path.join(dir, name));
      const out = fs.readFileSync(json.file);
      assert.ok(out.subarray(0, 64).equals(standInTool(from).subarray(0, 64)), `${commandOs}: the bytes of ${from}`);
    }
  });

  it('with no --command-os, extracts for this machine (linux/amd64 here: the cli image)', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'not a linux/amd64 host' : false }, async () => {
    const dir = tmp();
    const result = await extract('oc', undefined, full, dir, '-o', 'json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { path: string; component: string; commandOs: string };
    assert.deepEqual([json.path, json.component, json.commandOs], ['usr/bin/oc', 'cli', 'linux/amd64']);
  });

  it('openshift-install for mac from installer-artifacts, with the release image, version and architecture markers', async () => {
    const dir = tmp();
    const result = await extract('openshift-install', 'mac', full, dir);
    assert.equal(result.code, 0, result.stderr);
    const out = fs.readFileSync(path.join(dir, 'openshift-install'));
    assert.equal(slotValue(out, TOOL_SLOTS.image), `${registry.host}/okd/scos-release@${full.digest}`);
    assert.equal(slotValue(out, TOOL_SLOTS.version), '4.10.0-okd-tools.0');
    assert.equal(slotValue(out, TOOL_SLOTS.architecture), 'linux/amd64');
    assert.match(result.stdout, /^ {2}from \/usr\/share\/openshift\/mac\/openshift-install in .* \(installer-artifacts\)/m);
  });

  it('says which platforms the artifacts image has when the asked one is missing, and writes nothing', async () => {
    const partial = await pushToolImages(fixtureTags(), { client, registry: registry.host, repository: 'okd/scos-content', omit: ['usr/share/openshift/mac_arm64/openshift-install'] });
    const p = await payloadOf(partial);
    const dir = tmp();
    const result = await extract('openshift-install', 'mac/arm64', p, dir);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: ${partial.images['installer-artifacts']} (installer-artifacts) has no usr/share/openshift/mac_arm64/openshift-install: this release ships no openshift-install for mac/arm64. Its installer-artifacts image has openshift-install for mac/amd64, linux/amd64, linux/arm64\n`,
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('names the images the release does have when it has no cli-artifacts image', async () => {
    const p = await payloadOf({ ...tools, tags: tools.tags.filter((t) => t.name !== 'cli-artifacts') });
    const dir = tmp();
    const result = await extract('oc', 'mac/arm64', p, dir);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: release ${p.pullSpec} has no cli-artifacts image, which holds oc for mac/arm64. Of the images oc takes oc from, it has cli (for linux/amd64); \`okd-dev release info ${p.pullSpec}\` lists its images\n`);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('refuses platforms oc has no target for, --command-os=* (archives) and malformed values', async () => {
    const windows = await extract('openshift-install', 'windows', full, tmp());
    assert.equal(windows.code, 1);
    assert.equal(windows.stderr, 'error: oc extracts no openshift-install for windows/amd64 (the payload is for amd64). --command-os takes mac, mac/arm64, linux, linux/arm64 for openshift-install\n');
    const star = await extract('oc', '*', full, tmp());
    assert.equal(star.code, 1);
    assert.match(star.stderr, /^error: --command-os=\* asks for the client archives of every platform .*which okd-dev does not produce\. Name one platform/);
    const bad = await extract('oc', 'mac-arm64', full, tmp());
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.split('\n')[0], 'okd-dev: --command-os "mac-arm64" is not OS or OS/ARCH. For example linux, mac, windows, linux/arm64 or mac/arm64');
  });

  it('replaces an existing file, or a symlink at the target, without writing through it', async () => {
    const dir = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'do not touch');
    fs.symlinkSync(victim, path.join(dir, 'oc'));
    const first = await extract('oc', 'mac', full, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'do not touch');
    assert.ok(fs.lstatSync(path.join(dir, 'oc')).isFile(), 'the symlink itself was replaced');
    const held = fs.openSync(path.join(dir, 'oc'), 'r');
    const before = fs.fstatSync(held).ino;
    const second = await extract('oc', 'linux/arm64', full, dir);
    assert.equal(second.code, 0, second.stderr);
    const now = fs.readFileSync(path.join(dir, 'oc'));
    assert.ok(now.subarray(0, 64).equals(standInTool('usr/share/openshift/linux_arm64/oc').subarray(0, 64)));
    assert.notEqual(fs.statSync(path.join(dir, 'oc')).ino, before, 'a new file renamed over the old one');
    const old = Buffer.alloc(64);
    fs.readSync(held, old, 0, 64, 0);
    fs.closeSync(held);
    assert.ok(old.equals(standInTool('usr/share/openshift/mac/oc').subarray(0, 64)), 'the old file was never rewritten in place');
    assert.deepEqual(fs.readdirSync(dir), ['oc']);
  });

  it('removes the partial file when cancelled in the middle of writing', async () => {
    const dir = tmp();
    const controller = new AbortController();
    let sawPartial: string[] = [];
    // A client whose layer streams cancel the extraction once half the tool layer has gone by.
    const slow = Object.create(client) as RegistryClient;
    slow.openBlob = async (...args: Parameters<RegistryClient['openBlob']>) => {
      const stream = await client.openBlob(...args);
      let seen = 0;
      const size = args[2].size ?? 0;
      return stream.pipe(new Transform({
        transform(chunk: Buffer, _enc, done) {
          seen += chunk.length;
          if (size > 100_000 && seen > size / 2 && !controller.signal.aborted) {
            sawPartial = fs.readdirSync(dir);
            controller.abort();
          }
          done(null, chunk);
        },
      }));
    };
    const big = await pushLayeredImage(client, registry.host, 'okd/scos-content', `big-${++n}`, [[{ path: 'usr/share/openshift/mac/oc', content: randomBytes(4 * 1024 * 1024), mode: 0o755 }]]);
    const p = await payloadOf({ ...tools, tags: tools.tags.map((t) => (t.name === 'cli-artifacts' ? { ...t, from: { kind: 'DockerImage', name: big } } : t)) });
    await assert.rejects(
      extractCommand({ registry: slow, from: p.pullSpec, command: 'oc', commandOs: 'mac', dir, token: fromAbortSignal(controller.signal) }),
      (err: Error) => err.name === 'CancelledError',
    );
    assert.equal(sawPartial.length, 1, 'the partial file existed while writing');
    assert.match(sawPartial[0] ?? '', /^\.oc\.[0-9a-f]{16}\.partial$/);
    assert.deepEqual(fs.readdirSync(dir), [], 'and is gone after the cancel');
  });
});

// `okd-dev release info` as `oc adm release info` (openshift/oc pkg/cli/admin/release/info.go): --changes-from,
// --size, --contents, --verify, --image-for, -o name|pullspec|digest, --include-images and no PULLSPEC, through
// dist/cli.js against the loopback registry. The size payload's component images are real images in that
// registry sharing layers, so "shared layers counted once" is checked against sizes the test computes itself.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildLayer, type LayerBlob, type LayerEntry, sha256 } from '../../src/core/image/layer';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { type FixtureTag, fixtureTags } from '../support/payload/manifests';
import { blobDataPath, startRegistry, type TestRegistry } from '../support/registry';
import { pushLayeredImage } from './release-new-support';

const MiB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MiB).toFixed(1);

/** A layer of `size` random (incompressible) bytes, so its blob is about that size. */
function entries(name: string, size: number): LayerEntry[] {
  return [{ path: `usr/share/${name}`, content: randomBytes(size) }];
}

function tag(name: string, pullSpec: string, commit = sha256(name).slice(7, 47)): FixtureTag {
  return { name, annotations: { 'io.openshift.build.commit.id': commit, 'io.openshift.build.source-location': `https://github.com/openshift/${name}` }, from: { kind: 'DockerImage', name: pullSpec } };
}

describe('okd-dev release info: oc adm release info parity', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let sized: TestPayload;
  let a: TestPayload;
  let b: TestPayload;
  /** Layer blobs as pushed, to compute the expected sizes independently of the product. */
  const layers: Record<string, LayerBlob> = {};
  const componentLayers: Record<string, string[]> = {};
  const pullspecs: Record<string, string> = {};

  before(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecure: true });
    const content: Record<string, LayerEntry[]> = {
      base1: entries('base1', 1_500_000),
      base2: entries('base2', 1_000_000),
      aTop: entries('a', 300_000),
      bTop: entries('b', 500_000),
      cTop: entries('c', 200_000),
    };
    for (const [name, e] of Object.entries(content)) layers[name] = await buildLayer(e);
    // Three images on base1 (the twin is the same image as alpha under another tag), one on base2.
    const images: [string, string[]][] = [
      ['alpha', ['base1', 'aTop']],
      ['bravo', ['base1', 'bTop']],
      ['charlie', ['base2', 'cTop']],
      ['alpha-twin', ['base1', 'aTop']],
    ];
    for (const [name, parts] of images) {
      componentLayers[name] = parts;
      pullspecs[name] = await pushLayeredImage(client, registry.host, 'okd/scos-content', name, parts.map((p) => content[p] as LayerEntry[]));
    }
    sized = await pushTestPayload({
      client, registry: registry.host, repository: 'okd/sized-release', tag: '4.19.0-sized', version: '4.19.0-sized', small: true, tinyBase: true,
      tags: images.map(([name]) => tag(name, pullspecs[name] as string)),
      extraFiles: { 'notes.txt': 'not a manifest\n', '0000_90_alpha_01-config.json': '{"kind":"ConfigMap"}' },
    });

    const base = fixtureTags().slice(0, 20);
    a = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.19.0-a', version: '4.19.0-a', small: true, tinyBase: true, tags: base });
    const changed = base
      .filter((t) => t.name !== base[1]?.name)
      .map((t, i) => (i === 0 ? { ...t, annotations: { ...t.annotations, 'io.openshift.build.commit.id': 'fedcba9876543210fedcba9876543210fedcba98' }, from: { kind: 'DockerImage' as const, name: t.from.name.replace(/@sha256:.*/, `@${sha256('new build')}`) } } : t));
    changed.push(tag('brand-new-component', `quay.io/okd/scos-content@${sha256('brand new')}`));
    b = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.19.0-b', version: '4.19.0-b', small: true, tinyBase: true, tags: changed, previous: ['4.19.0-a'] });
  });

  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('--size: per image size and unique size, a BASE column, and the total with shared layers counted once', async () => {
    const r = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--size']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(r.stdout, /^Name:\s+4\.19\.0-sized$/m);
    assert.ok(lines.some((l) => /^ {2}NAME\s+AGE\s+LAYERS\s+SIZE MB\s+UNIQUE MB\s+BASE$/.test(l)), r.stdout);
    const row = (name: string) => {
      const line = lines.find((l) => l.startsWith(`  ${name} `));
      assert.ok(line, `a row for ${name}:\n${r.stdout}`);
      // AGE is relative to now and may be empty or <invalid> for an image "created" in the future: not asserted.
      const m = /^ {2}(\S+)\s+.*?\s(\d+)\s+(\d+\.\d)\s+(\d+\.\d)\s*(.*)$/.exec(line);
      assert.ok(m, line);
      return { layers: Number(m[2]), size: m[3], unique: m[4], base: (m[5] ?? '').trim() };
    };
    const size = (name: string) => (componentLayers[name] as string[]).reduce((sum, l) => sum + (layers[l] as LayerBlob).size, 0);
    const alpha = row('alpha');
    assert.deepEqual(alpha, { layers: 2, size: mb(size('alpha')), unique: mb((layers.aTop as LayerBlob).size), base: 'A' });
    // bravo's top layer is its own; base1 is shared with alpha and the twin.
    assert.deepEqual(row('bravo'), { layers: 2, size: mb(size('bravo')), unique: mb((layers.bTop as LayerBlob).size), base: 'A' });
    assert.deepEqual(row('charlie'), { layers: 2, size: mb(size('charlie')), unique: mb((layers.base2 as LayerBlob).size + (layers.cTop as LayerBlob).size), base: 'B' });
    // The twin shares every layer with alpha, whose row already counted the top layer: nothing of its own.
    assert.deepEqual(row('alpha-twin'), { layers: 2, size: mb(size('alpha-twin')), unique: '0.0', base: 'A' });

    const distinct = Object.values(layers);
    const total = distinct.reduce((sum, l) => sum + l.size, 0);
    const naive = Object.keys(componentLayers).reduce((sum, name) => sum + size(name), 0);
    const m = /^ {2}(\d+(?:\.\d+)?)MB across (\d+) layers, 2 different base images$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(Number(m[2]), distinct.length, 'five distinct layers');
    assert.ok(Math.abs(Number(m[1]) * 1e6 - total) <= 500, `total ${m[1]}MB is the distinct layers' ${total} bytes (counting shared layers again would be ${naive})`);
  });

  it('-o json --include-images: imageDetails with each image\'s layers and config; without it, none', async () => {
    const r = await runCli(['release', 'info', sized.pullSpec, '--insecure', '-o', 'json', '--include-images']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { version: string; imageDetails: Record<string, { digest: string; layers: { digest: string; size: number }[]; config: { architecture: string } }> };
    assert.equal(json.version, '4.19.0-sized');
    assert.deepEqual(Object.keys(json.imageDetails), ['alpha', 'bravo', 'charlie', 'alpha-twin']);
    const charlie = json.imageDetails.charlie;
    assert.equal(`${registry.host}/okd/scos-content@${charlie?.digest}`, pullspecs.charlie);
    assert.deepEqual(charlie?.layers.map((l) => [l.digest, l.size]), [[layers.base2?.digest, layers.base2?.size], [layers.cTop?.digest, layers.cTop?.size]]);
    assert.equal(charlie?.config.architecture, 'amd64');
    const plain = JSON.parse((await runCli(['release', 'info', sized.pullSpec, '--insecure', '-o', 'json'])).stdout) as Record<string, unknown>;
    assert.equal(plain.imageDetails, undefined);
  });

  it('--contents: image-references, release-metadata, then the manifests in name order, each after "# NAME"', async () => {
    const r = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--contents']);
    assert.equal(r.code, 0, r.stderr);
    const parts = r.stdout.split(/^# (.+)\n/m);
    assert.equal(parts[0], '', 'the output starts with a # line');
    const names: string[] = [];
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i] as string;
      names.push(name);
      const expected = sized.files.get(name) as string;
      assert.equal(parts[i + 1], expected.endsWith('\n') ? expected : `${expected}\n`, `the text of ${name}`);
    }
    const manifests = [...sized.files.keys()].filter((f) => /\.(ya?ml|json)$/.test(f)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    assert.deepEqual(names, ['image-references', 'release-metadata', ...manifests]);
    assert.ok(!names.includes('notes.txt'), 'a metadata file is not printed');
    assert.ok(manifests.includes('0000_90_alpha_01-config.json'));
  });

  it('--verify: one line of digest, created and name when every image manifest matches its digest', async () => {
    const r = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--verify']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${sized.digest} 2026-11-01T10:00:00Z 4.19.0-sized\n`);
    assert.equal(r.stderr, '');
  });

  it('--verify fails on a component image that is missing or whose manifest does not match its digest', async () => {
    const missing = `${registry.host}/okd/scos-content@${sha256('never pushed')}`;
    const tampered = await pushLayeredImage(client, registry.host, 'okd/scos-content', 'tampered', [entries('tampered', 1000)]);
    const payload = await pushTestPayload({
      client, registry: registry.host, repository: 'okd/broken-release', tag: '4.19.0-broken', version: '4.19.0-broken', small: true, tinyBase: true,
      tags: [tag('alpha', pullspecs.alpha as string), tag('gone', missing), tag('tampered', tampered)],
    });
    // The registry serves a manifest from its blob store as stored: one changed hex digit is still valid JSON.
    const file = blobDataPath(registry, tampered.split('@')[1] as string);
    const text = fs.readFileSync(file, 'utf8');
    const at = text.indexOf('sha256:') + 7;
    fs.writeFileSync(file, text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1));
    const r = await runCli(['release', 'info', payload.pullSpec, '--insecure', '--verify']);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: release 4\.19\.0-broken \(\S+\) failed verification: 2 of 3 component images could not be verified/);
    assert.match(r.stderr, /tag "gone": /);
    assert.match(r.stderr, /tag "tampered": manifest sha256:[0-9a-f]{64} from .* does not match its digest/);
    assert.match(r.stderr, /do not install it/);
    // Without --verify the same payload reads fine: oc does not read component images for the default view.
    assert.equal((await runCli(['release', 'info', payload.pullSpec, '--insecure'])).code, 0);
  });

  it('--image-for NAME: the pullspec; a name the payload lacks: oc\'s error and exit code 1', async () => {
    const r = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--image-for', 'charlie']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${pullspecs.charlie}\n`);
    const missing = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--image-for', 'no-such-thing']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, new RegExp(`^error: no image tag "no-such-thing" exists in the release image ${sized.pullSpec.replace(/[.]/g, '\\.')}\\b`));
    const both = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--image-for', 'alpha', '-o', 'json']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--output and --image-for may not both be given/);
    const two = await runCli(['release', 'info', sized.pullSpec, '--insecure', '--size', '--contents']);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /only one of --size, --contents may be given/);
  });

  it('-o name, -o pullspec and -o digest: one component a line; a tag without a digest is an error line', async () => {
    const names = await runCli(['release', 'info', sized.pullSpec, '--insecure', '-o', 'name']);
    assert.equal(names.stdout, 'alpha\nbravo\ncharlie\nalpha-twin\n');
    const specs = await runCli(['release', 'info', sized.pullSpec, '--insecure', '-o', 'pullspec']);
    assert.equal(specs.stdout, ['alpha', 'bravo', 'charlie', 'alpha-twin'].map((n) => `${pullspecs[n]}\n`).join(''));
    const digests = await runCli(['release', 'info', sized.pullSpec, '--insecure', '-o', 'digest']);
    assert.equal(digests.code, 0, digests.stderr);
    assert.equal(digests.stdout, ['alpha', 'bravo', 'charlie', 'alpha-twin'].map((n) => `${(pullspecs[n] as string).split('@')[1]}\n`).join(''));

    const byTag = await pushTestPayload({
      client, registry: registry.host, repository: 'okd/tagged-release', tag: '4.19.0-tagged', version: '4.19.0-tagged', small: true, tinyBase: true,
      tags: [tag('alpha', pullspecs.alpha as string), tag('floating', 'quay.io/okd/floating:latest')],
    });
    const mixed = await runCli(['release', 'info', byTag.pullSpec, '--insecure', '-o', 'digest']);
    assert.equal(mixed.stdout, `${(pullspecs.alpha as string).split('@')[1]}\n`);
    assert.match(mixed.stderr, /^error: floating does not point to a digest$/m);
    assert.equal(mixed.code, 1);
    const bad = await runCli(['release', 'info', sized.pullSpec, '--insecure', '-o', 'yaml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown output format 'yaml': use -o json\|name\|pullspec\|digest/);
  });

  it('--changes-from OLD and two PULLSPECs: the changes as release diff prints them (changed, added, removed)', async () => {
    const changes = await runCli(['release', 'info', b.pullSpec, '--changes-from', a.pullSpec, '--insecure']);
    assert.equal(changes.code, 0, changes.stderr);
    const diff = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure']);
    assert.equal(changes.stdout, diff.stdout);
    const twoArgs = await runCli(['release', 'info', a.pullSpec, b.pullSpec, '--insecure']);
    assert.equal(twoArgs.stdout, diff.stdout);
    const out = changes.stdout;
    assert.match(out, /^\s+FROM\s+TO$/m);
    assert.match(out, /^Name:\s+4\.19\.0-a\s+4\.19\.0-b$/m);
    assert.match(out, /^Upgrade From:\s+Yes$/m);
    const first = fixtureTags()[0] as FixtureTag;
    const second = fixtureTags()[1] as FixtureTag;
    assert.match(out, new RegExp(`^Images Changed:\\n\\s+${first.name}\\s+${first.from.name.split('@')[1]}\\s+${sha256('new build')}$`, 'm'));
    assert.match(out, new RegExp(`^Images Added:\\n\\s+brand-new-component\\s+${sha256('brand new')}$`, 'm'));
    assert.match(out, new RegExp(`^Images Removed:\\n\\s+${second.name}$`, 'm'));
    const commits = await runCli(['release', 'info', b.pullSpec, '--changes-from', a.pullSpec, '--insecure', '--commits']);
    assert.match(commits.stdout, new RegExp(`^\\s+${first.name}\\s+https://github\\.com/\\S+/compare/${first.annotations['io.openshift.build.commit.id']}\\.\\.\\.fedcba9876543210fedcba9876543210fedcba98$`, 'm'));
    const json = JSON.parse((await runCli(['release', 'info', b.pullSpec, '--changes-from', a.pullSpec, '--insecure', '-o', 'json'])).stdout) as { changed: { name: string }[]; added: { name: string }[]; removed: { name: string }[] };
    assert.deepEqual([json.changed.map((c) => c.name), json.added.map((c) => c.name), json.removed.map((c) => c.name)], [[first.name], ['brand-new-component'], [second.name]]);
    const hint = await runCli(['release', 'info', b.pullSpec, '--changes-from', a.pullSpec, '--insecure', '--contents']);
    assert.match(hint.stdout, /^To see the differences between these releases, run:$/m);
    const refused = await runCli(['release', 'info', b.pullSpec, '--changes-from', a.pullSpec, '--insecure', '--size']);
    assert.equal(refused.code, 2);
  });

  it('--verify with several releases: one line each, and an error for the one that fails', async () => {
    const gone = await pushTestPayload({
      client, registry: registry.host, repository: 'okd/gone-release', tag: '4.19.0-gone', version: '4.19.0-gone', small: true, tinyBase: true,
      tags: [tag('gone', `${registry.host}/okd/scos-content@${sha256('not pushed either')}`)],
    });
    const r = await runCli(['release', 'info', sized.pullSpec, gone.digestPullSpec, '--insecure', '--verify']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${sized.digest} 2026-11-01T10:00:00Z 4.19.0-sized\n`);
    assert.match(r.stderr, /^error: release 4\.19\.0-gone \(\S+\) failed verification: 1 of 1 component images/m);
    assert.match(r.stderr, /^error: 1 of 2 releases could not be shown$/m);
  });

  it('no PULLSPEC and no cluster: says that the cluster\'s release was wanted and how to go on', async () => {
    // cliEnv's HOME is a fresh folder: no ~/.kube/config, and KUBECONFIG is not passed on.
    const r = await runCli(['release', 'info', '--insecure'], cliEnv({ KUBECONFIG: undefined }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: release info without a PULLSPEC shows the connected cluster's release, which could not be read: no kubeconfig/);
    assert.match(r.stderr, /pass a release PULLSPEC/);
  });
});

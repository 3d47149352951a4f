import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { readRelease } from '../../src/core/release/reader';
import { cliEnv, runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { fixtureTags } from '../support/payload/manifests';
import { skopeoCopy, skopeoInspect, startRegistry, type TestRegistry } from '../support/registry';
import { pushComponentImages } from '../support/sandbox/componentImages';
import { pushLayeredImage, SLOT_OFFSETS, slotValue, standInInstaller } from './release-new-support';

interface NewJson {
  pullSpec: string;
  digest: string;
  name: string;
  tagPullSpec: string;
  from: string;
  replaced: { name: string; from: string; to: string }[];
  manifestsChanged: string[];
  uploadedBytes: number;
  mountedBlobs: number;
  existingBlobs: number;
  copiedBlobs: number;
  copiedBytes: number;
  layer: { digest: string; size: number };
  warnings: string[];
}

const CRO = 'cluster-image-registry-operator';
const COMMIT = 'feedfacefeedfacefeedfacefeedfacefeedface';
const SOURCE = 'https://github.com/me/cluster-image-registry-operator';

describe('okd-dev release new against a real registry', () => {
  let registry: TestRegistry;
  let other: TestRegistry;
  let client: RegistryClient;
  let source: TestPayload;
  let multi: TestPayload;
  let oldCro: string;
  let newImage: string;
  let newImageByDigest: string;
  let created: NewJson;
  let createdBytes = 0;
  /** Whole seconds, as the image config's created time is compared with it. */
  let startedAt = 0;

  before(async () => {
    [registry, other] = await Promise.all([startRegistry({ proxy: true }), startRegistry()]);
    client = new RegistryClient({ insecure: true });
    const pushedTags = await pushComponentImages(fixtureTags().filter((t) => t.name === CRO || t.name === 'installer'), {
      client,
      registry: registry.host,
      repository: 'okd/scos-content',
      extraFiles: { installer: [{ path: 'usr/bin/openshift-install', content: standInInstaller(), mode: 0o755 }] },
    });
    const byName = new Map(pushedTags.map((t) => [t.name, t]));
    const tags = fixtureTags().map((t) => byName.get(t.name) ?? t);
    oldCro = byName.get(CRO)?.from.name ?? '';
    source = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-test.1', version: '4.10.0-okd-test.1', tags });
    multi = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-test.multi', version: '4.10.0-okd-test.multi', multiArch: true, small: true, tinyBase: true });
    newImage = `${registry.host}/me/cluster-image-registry-operator:dev`;
    newImageByDigest = await pushLayeredImage(client, registry.host, 'me/cluster-image-registry-operator', 'dev', [
      [{ path: 'usr/bin/cluster-image-registry-operator', content: Buffer.from('#!/bin/sh\necho my operator\n'), mode: 0o755 }],
    ], { 'io.openshift.build.commit.id': COMMIT, 'io.openshift.build.source-location': SOURCE, 'io.openshift.release.operator': 'true' });

    const before = registry.counters.bytesFromClient;
    startedAt = Math.floor(Date.now() / 1000) * 1000;
    const result = await runCli(['release', 'new', '--from-release', source.pullSpec, `${CRO}=${newImage}`, '--to-image', `${registry.host}/okd/custom-release`, '--insecure', '-o', 'json']);
    createdBytes = registry.counters.bytesFromClient - before;
    assert.equal(result.code, 0, result.stderr);
    created = JSON.parse(result.stdout) as NewJson;
  });

  after(async () => {
    await client?.close();
    await registry?.stop();
    await other?.stop();
  });

  it('pushes a payload with the component replaced by digest, named after the source plus -custom-<time>', () => {
    assert.match(created.name, /^4\.10\.0-okd-test\.1-custom-\d{12}$/);
    assert.equal(created.tagPullSpec, `${registry.host}/okd/custom-release:${created.name}`);
    assert.equal(created.pullSpec, `${registry.host}/okd/custom-release@${created.digest}`);
    assert.equal(created.from, `${registry.host}/okd/scos-release@${source.digest}`);
    assert.deepEqual(created.replaced, [{ name: CRO, from: oldCro, to: newImageByDigest }]);
    assert.equal(created.mountedBlobs, 4, 'the four base layers are mounted');
    assert.equal(created.copiedBlobs, 0);
    assert.ok(created.manifestsChanged.includes('0000_50_cluster-image-registry-operator_07-operator.yaml'), created.manifestsChanged.join(', '));
  });

  it('does not upload the base layers again: the bytes sent are the new layer, config and manifest', () => {
    const needed = created.uploadedBytes;
    assert.ok(needed < created.layer.size + 20_000, `uploadedBytes ${needed} is the layer ${created.layer.size} plus config and manifest`);
    assert.ok(createdBytes < needed + 64 * 1024, `sent ${createdBytes} bytes (with headers) for ${needed} bytes of blobs; the base is ${source.sizes.base}`);
  });

  it('is read back by our reader: override, labels, new name, manifests pointing at the new digest', async () => {
    const release = await readRelease(created.pullSpec, { registry: client });
    assert.equal(release.version, created.name);
    assert.equal(release.name, created.name);
    assert.equal(release.labels['io.openshift.release'], created.name);
    assert.equal(release.components.length, 146);
    const cro = release.components.find((c) => c.name === CRO);
    assert.equal(cro?.pullSpec, newImageByDigest);
    assert.equal(cro?.override, true);
    assert.equal(cro?.commit, COMMIT);
    assert.equal(cro?.source, SOURCE);
    assert.deepEqual(release.components.filter((c) => c.override).map((c) => c.name), [CRO]);
    assert.equal(release.imageStreamAnnotations['release.openshift.io/from-release'], created.from);
    const deployment = release.operators.find((o) => o.name === CRO)?.deployments.find((d) => d.name === CRO);
    assert.equal(deployment?.containers[0]?.image, newImageByDigest);
    assert.equal(deployment?.containers[0]?.component, CRO);
    for (const manifest of release.manifests) assert.ok(!(manifest.content ?? '').includes(oldCro), `${manifest.file} still references the old image`);
    const old = await readRelease(source.pullSpec, { registry: client });
    const unchanged = release.manifests.filter((m) => !created.manifestsChanged.includes(m.file));
    assert.equal(unchanged.length, old.manifests.length - created.manifestsChanged.length);
    for (const m of unchanged) assert.equal(m.sha256, old.manifests.find((o) => o.file === m.file)?.sha256, `${m.file} is byte-identical`);
  });

  it('diffs against the source with exactly that component changed, and info marks it override', async () => {
    const diff = await runCli(['release', 'diff', source.pullSpec, created.pullSpec, '--insecure', '-o', 'json']);
    assert.equal(diff.code, 0, diff.stderr);
    const json = JSON.parse(diff.stdout) as { changed: { name: string; to: string }[]; rebuilt: unknown[]; added: unknown[]; removed: unknown[] };
    assert.deepEqual(json.changed.map((c) => [c.name, c.to]), [[CRO, newImageByDigest]]);
    assert.deepEqual([json.rebuilt, json.added, json.removed], [[], [], []]);
    const info = await runCli(['release', 'info', created.pullSpec, '--insecure', '-o', 'json']);
    const images = (JSON.parse(info.stdout) as { images: { name: string; override: boolean }[] }).images;
    assert.deepEqual(images.filter((i) => i.override).map((i) => i.name), [CRO]);
  });

  it('is a valid image for skopeo: inspect and copy, base layers shared with the source', async () => {
    const inspect = JSON.parse(await skopeoInspect(`okd/custom-release@${created.digest}`, registry)) as { Labels: Record<string, string>; Layers: string[]; Created: string };
    assert.equal(inspect.Labels['io.openshift.release'], created.name);
    assert.ok(inspect.Labels['io.openshift.release.base-image-digest'], 'base image digest label kept');
    const sourceInspect = JSON.parse(await skopeoInspect(`okd/scos-release:4.10.0-okd-test.1`, registry)) as { Layers: string[] };
    assert.equal(inspect.Layers.length, 5);
    assert.deepEqual(inspect.Layers.slice(0, 4), sourceInspect.Layers.slice(0, 4));
    assert.equal(inspect.Layers[4], created.layer.digest);
    // Created by that run (not copied from the source): between its start and now.
    const createdAt = Date.parse(inspect.Created);
    assert.ok(createdAt >= startedAt && createdAt <= Date.now(), `created by the release new run (started ${new Date(startedAt).toISOString()}), got ${inspect.Created}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-new-skopeo-'));
    try {
      await skopeoCopy(`okd/custom-release:${created.name}`, registry, dir);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      assert.equal(manifest.layers.length, 5);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives an installer for the custom release: release extract pins it to the new payload', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-new-extract-'));
    try {
      const result = await runCli(['release', 'extract', '--command=openshift-install', created.pullSpec, '--to', dir, '--insecure']);
      assert.equal(result.code, 0, result.stderr);
      const binary = fs.readFileSync(path.join(dir, 'openshift-install'));
      assert.equal(slotValue(binary, SLOT_OFFSETS.image), created.pullSpec);
      assert.equal(slotValue(binary, SLOT_OFFSETS.version), created.name);
      assert.equal(slotValue(binary, SLOT_OFFSETS.architecture), 'linux/amd64');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a text summary with the new pullspec, the replacement and the bytes uploaded vs mounted', async () => {
    const result = await runCli(['release', 'new', '--from-release', source.pullSpec, `${CRO}=${newImage}`, '--to-image', `${registry.host}/okd/custom-text:text`, '--name', '4.10.0-okd-test.1-mine', '--insecure']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Pushed:\\s+${registry.host}/okd/custom-text@sha256:[a-f0-9]{64}$`, 'm'));
    assert.match(result.stdout, /^Name:\s+4\.10\.0-okd-test\.1-mine$/m);
    assert.match(result.stdout, new RegExp(`^  ${CRO}\\n    ${oldCro.replace(/[.]/g, '\\.')}\\n    -> ${newImageByDigest.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(result.stdout, /^Base:\s+4 layers mounted, 0 already present, 0 copied$/m);
  });

  it('refuses an existing target tag unless --force', async () => {
    const target = `${registry.host}/okd/custom-release:${created.name}`;
    const args = ['release', 'new', '--from-release', source.pullSpec, `${CRO}=${newImage}`, '--to-image', target, '--name', created.name, '--insecure'];
    const refused = await runCli(args);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `error: ${target} already exists. Pass --force to replace it, or choose another tag with --to-image\n`);
    const forced = await runCli([...args, '--force', '-o', 'json']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((JSON.parse(forced.stdout) as NewJson).existingBlobs, 4);
  });

  it('names an unknown component with close names', async () => {
    const result = await runCli(['release', 'new', '--from-release', source.pullSpec, `cluster-image-registy-operator=${newImage}`, '--to-image', `${registry.host}/okd/custom-release:x`, '--insecure']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: component "cluster-image-registy-operator" is not in release ${source.pullSpec}. Did you mean cluster-image-registry-operator? \`okd-dev release info ${source.pullSpec}\` lists the 146 components\n`);
  });

  it('says which replacement image cannot be pulled', async () => {
    const missingRepo = await runCli(['release', 'new', '--from-release', source.pullSpec, `${CRO}=${registry.host}/me/nope:dev`, '--to-image', `${registry.host}/okd/custom-release:x`, '--insecure']);
    assert.equal(missingRepo.code, 1);
    assert.equal(missingRepo.stderr, `error: image ${registry.host}/me/nope:dev for ${CRO} cannot be pulled: tag dev not found in ${registry.host}/me/nope. Check the tag name; \`skopeo list-tags docker://${registry.host}/me/nope\` lists the tags\n`);
    const missingTag = await runCli(['release', 'new', '--from-release', source.pullSpec, `${CRO}=${registry.host}/me/cluster-image-registry-operator:nope`, '--to-image', `${registry.host}/okd/custom-release:x`, '--insecure']);
    assert.equal(missingTag.code, 1);
    assert.match(missingTag.stderr, new RegExp(`^error: image ${registry.host}/me/cluster-image-registry-operator:nope for ${CRO} cannot be pulled: tag nope not found in ${registry.host}/me/cluster-image-registry-operator\\. `));
    assert.equal(missingTag.stderr.split('\n').length, 2, 'one line');
  });

  it('rejects arguments that are not NAME=IMAGE as a usage error', async () => {
    const result = await runCli(['release', 'new', '--from-release', source.pullSpec, CRO, '--to-image', `${registry.host}/okd/custom-release:x`]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.split('\n')[0], `okd-dev: "${CRO}" is not NAME=IMAGE. Write each replacement as component=pullspec, e.g. cluster-image-registry-operator=quay.io/me/cluster-image-registry-operator:dev`);
    const missing = await runCli(['release', 'new', `${CRO}=${newImage}`, '--to-image', 'x/y']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.split('\n')[0], 'okd-dev: missing --from-release OLD');
  });

  it('asks for --filter-by-os on a multi-arch source, and builds that platform with it', async () => {
    const refused = await runCli(['release', 'new', '--from-release', multi.pullSpec, `${CRO}=${newImage}`, '--to-image', `${registry.host}/okd/custom-release:multi`, '--insecure']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `error: ${multi.pullSpec} is a multi-arch release (linux/amd64, linux/arm64); a custom release is built for one platform. Choose one with --filter-by-os, e.g. --filter-by-os linux/amd64\n`);
    const arm = await runCli(['release', 'new', '--from-release', multi.pullSpec, `${CRO}=${newImage}`, '--to-image', `${registry.host}/okd/custom-release:arm64`, '--filter-by-os', 'linux/arm64', '--insecure', '-o', 'json']);
    assert.equal(arm.code, 0, arm.stderr);
    const release = await readRelease((JSON.parse(arm.stdout) as NewJson).pullSpec, { registry: client });
    assert.equal(release.architecture, 'arm64');
    assert.equal(release.components.find((c) => c.name === CRO)?.pullSpec, newImageByDigest);
  });

  it('copies the base layers by streaming when the target is another registry, and says so', async () => {
    const result = await runCli(['release', 'new', '--from-release', source.pullSpec, `${CRO}=${newImage}`, '--to-image', `${other.host}/okd/custom-release:copied`, '--insecure', '-o', 'json'], cliEnv(), 120_000);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as NewJson;
    assert.equal(json.copiedBlobs, 4);
    assert.equal(json.copiedBytes, source.sizes.base);
    assert.match(result.stderr, new RegExp(`^warning: 4 base layers were copied \\(streamed, not stored\\) because the target registry ${other.host} is not the source registry ${registry.host}$`, 'm'));
    const release = await readRelease(json.pullSpec, { registry: client });
    assert.equal(release.components.find((c) => c.name === CRO)?.pullSpec, newImageByDigest);
    const inspect = JSON.parse(await skopeoInspect(`okd/custom-release:copied`, other)) as { Layers: string[] };
    assert.equal(inspect.Layers.length, 5);
  });
});

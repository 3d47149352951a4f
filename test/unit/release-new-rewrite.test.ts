import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { closeNames, defaultReleaseName, isSemver, parseReplacement, parseReplacements, releaseConfig, replacePullspec, rewriteImageReferences, rewriteReleaseFiles, rewriteReleaseMetadata } from '../../src/core/release/new';
import { unknownComponentError } from '../../src/core/release/new/replacements';
import { parseImageReferences } from '../../src/core/release/imageReferences';
import type { ImageConfig } from '../../src/core/registry/types';

const OLD = `quay.io/okd/scos-content@sha256:${'a'.repeat(64)}`;
const NEW = `127.0.0.1:5000/me/registry-operator@sha256:${'b'.repeat(64)}`;
const OTHER = `quay.io/okd/scos-content@sha256:${'c'.repeat(64)}`;
const now = new Date('2026-11-02T13:45:59.123Z');

function stream(): string {
  return JSON.stringify({
    kind: 'ImageStream',
    apiVersion: 'image.openshift.io/v1',
    metadata: { name: '4.19.0-okd-scos.1', creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'release.openshift.io/from-image-stream': 'okd/4.19' } },
    spec: {
      lookupPolicy: { local: false },
      tags: [
        { name: 'installer', annotations: { 'io.openshift.build.commit.id': 'i1' }, from: { kind: 'DockerImage', name: OTHER }, generation: null },
        { name: 'cluster-image-registry-operator', annotations: { 'io.openshift.build.commit.id': 'old', 'io.openshift.build.source-location': 'https://github.com/openshift/cluster-image-registry-operator', 'io.openshift.build.commit.ref': 'master' }, from: { kind: 'DockerImage', name: OLD } },
      ],
    },
    status: { dockerImageRepository: '' },
  }, null, 2);
}

const replacement = { name: 'cluster-image-registry-operator', from: OLD, to: NEW, labels: { 'io.openshift.build.commit.id': 'abc123', 'io.openshift.build.source-location': 'https://github.com/me/cluster-image-registry-operator', unrelated: 'x' } };

describe('release new: NAME=IMAGE arguments', () => {
  it('parses component=pullspec', () => {
    assert.deepEqual(parseReplacement(`cluster-image-registry-operator=${NEW}`), { name: 'cluster-image-registry-operator', image: NEW });
  });
  it('rejects arguments that are not NAME=IMAGE with one line saying how to write them', () => {
    for (const bad of ['cluster-image-registry-operator', '=quay.io/x:y', 'cli=']) {
      assert.throws(() => parseReplacement(bad), (err: unknown) => err instanceof OkdError && err.message === `"${bad}" is not NAME=IMAGE`);
    }
    assert.throws(() => parseReplacement('cli=Not A Pullspec'), /"cli=Not A Pullspec": invalid pullspec/);
    assert.throws(() => parseReplacements(['cli=quay.io/a:b', 'cli=quay.io/c:d']), /component "cli" is replaced more than once/);
  });
  it('suggests close component names', () => {
    const names = ['cluster-image-registry-operator', 'cluster-monitoring-operator', 'cli', 'installer', 'machine-config-operator'];
    assert.deepEqual(closeNames('cluster-image-registy-operator', names), ['cluster-image-registry-operator']);
    assert.deepEqual(closeNames('image-registry-operator', names)[0], 'cluster-image-registry-operator');
    assert.deepEqual(closeNames('zzzzzzzz', names), []);
    assert.equal(
      unknownComponentError('instaler', 'r:1', names).describe(),
      'component "instaler" is not in release r:1. Did you mean installer? `okd-dev release info r:1` lists the 5 components',
    );
  });
});

describe('release new: rewriting release-manifests', () => {
  it('replaces whole pullspec occurrences only', () => {
    const text = `image: ${OLD}\nenv: "${OLD}"\nlonger: mirror.example.com/${OLD}\nsuffixed: ${OLD}x\nargs: [--image=${OLD}]\n`;
    const out = replacePullspec(text, OLD, NEW);
    assert.equal(out.count, 3);
    assert.equal(out.text, `image: ${NEW}\nenv: "${NEW}"\nlonger: mirror.example.com/${OLD}\nsuffixed: ${OLD}x\nargs: [--image=${NEW}]\n`);
    assert.deepEqual(replacePullspec('nothing here', OLD, NEW), { text: 'nothing here', count: 0 });
  });

  it('marks the replaced tag as an override with the new image labels and renames the stream, like oc', () => {
    const out = rewriteImageReferences(stream(), [replacement], '4.19.0-okd-scos.1-custom-202611021345', now, 'quay.io/okd/scos-release@sha256:' + 'd'.repeat(64));
    const refs = parseImageReferences(out);
    assert.equal(refs.name, '4.19.0-okd-scos.1-custom-202611021345');
    assert.equal(refs.creationTimestamp, '2026-11-02T13:45:59Z');
    assert.equal(refs.annotations['release.openshift.io/from-release'], 'quay.io/okd/scos-release@sha256:' + 'd'.repeat(64));
    assert.equal(refs.annotations['release.openshift.io/from-image-stream'], 'okd/4.19');
    assert.deepEqual(refs.components.map((c) => c.name), ['cluster-image-registry-operator', 'installer'], 'tags sorted by name');
    const cro = refs.components[0];
    assert.equal(cro?.pullSpec, NEW);
    assert.equal(cro?.override, true);
    assert.deepEqual(cro?.annotations, { 'io.openshift.release.override': 'true', 'io.openshift.build.commit.id': 'abc123', 'io.openshift.build.source-location': 'https://github.com/me/cluster-image-registry-operator' });
    assert.equal(refs.components[1]?.pullSpec, OTHER);
    assert.deepEqual(refs.components[1]?.annotations, { 'io.openshift.build.commit.id': 'i1' });
    assert.match(out, /"generation": null/, 'unknown fields are kept');
  });

  it('gives release-metadata the new version and keeps the rest', () => {
    const out = JSON.parse(rewriteReleaseMetadata(JSON.stringify({ kind: 'cincinnati-metadata-v0', version: '4.19.0', previous: ['4.18.0'], metadata: { url: 'u' } }), '4.19.0-custom')) as Record<string, unknown>;
    assert.deepEqual(out, { kind: 'cincinnati-metadata-v0', version: '4.19.0-custom', previous: ['4.18.0'], metadata: { url: 'u' } });
  });

  it('rewrites manifests referencing the old image and leaves the others byte-identical, in order', () => {
    const deployment = `kind: Deployment\nspec:\n  containers:\n  - image: ${OLD}\n    env:\n    - name: OPERATOR_IMAGE\n      value: ${OLD}\n`;
    const untouched = `kind: Deployment\nimage: ${OTHER}\n# ünïcode kept\n`;
    const files = new Map([
      ['image-references', stream()],
      ['release-metadata', JSON.stringify({ kind: 'cincinnati-metadata-v0', version: '4.19.0-okd-scos.1', previous: [] })],
      ['0000_50_cluster-image-registry-operator_07-operator.yaml', deployment],
      ['0000_50_installer_01.yaml', untouched],
    ]);
    const out = rewriteReleaseFiles(files, [replacement], '4.19.0-x', now, 'from');
    assert.deepEqual([...out.files.keys()], [...files.keys()]);
    assert.equal(out.files.get('0000_50_cluster-image-registry-operator_07-operator.yaml'), deployment.split(OLD).join(NEW));
    assert.equal(out.files.get('0000_50_installer_01.yaml'), untouched);
    assert.deepEqual(out.changed, ['0000_50_cluster-image-registry-operator_07-operator.yaml']);
    assert.deepEqual(out.unreferenced, []);
  });
});

describe('release new: names and config', () => {
  it('defaults the name to the source version plus -custom-<yyyymmddhhmm>, a semantic version', () => {
    assert.equal(defaultReleaseName('4.19.0-okd-scos.1', now), '4.19.0-okd-scos.1-custom-202611021345');
    assert.equal(defaultReleaseName('4.10.0', now), '4.10.0-custom-202611021345');
    assert.equal(defaultReleaseName('4.10.0+build.5', now), '4.10.0-custom-202611021345+build.5');
    for (const v of ['4.19.0-okd-scos.1-custom-202611021345', '4.20.0-0.okd-scos-2025-06-30-052314', '4.10.0-custom-202611021345+build.5']) assert.ok(isSemver(v), v);
    for (const v of ['4.19', 'custom', '04.1.0', '4.19.0-']) assert.ok(!isSemver(v), v);
  });

  it('resets the config as oc does: created now, release labels, new top diff_id and history', () => {
    const old: ImageConfig = {
      created: '2026-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/usr/bin/cluster-version-operator'], Labels: { 'io.openshift.release': '4.19.0', 'io.openshift.release.base-image-digest': 'sha256:base', 'vendor': 'x' } },
      rootfs: { type: 'layers', diff_ids: ['sha256:1', 'sha256:2', 'sha256:top'] },
      history: [{ created_by: 'base 1' }, { created_by: 'ENV x', empty_layer: true }, { created_by: 'base 2' }, { created_by: 'manifests' }],
    };
    const config = releaseConfig(old, { name: '4.19.0-c', newDiffId: 'sha256:new', layerCount: 3, now, pullSpec: 'p' });
    assert.equal(config.created, '2026-11-02T13:45:59Z');
    assert.deepEqual(config.config?.Labels, { 'io.openshift.release': '4.19.0-c', 'io.openshift.release.base-image-digest': 'sha256:base' });
    assert.deepEqual(config.config?.Entrypoint, ['/usr/bin/cluster-version-operator']);
    assert.deepEqual(config.rootfs.diff_ids, ['sha256:1', 'sha256:2', 'sha256:new']);
    assert.deepEqual(config.history?.map((h) => h.created_by), ['base 1', 'ENV x', 'base 2', 'okd-dev release new']);
    assert.throws(() => releaseConfig(old, { name: 'n', newDiffId: 'sha256:new', layerCount: 4, now, pullSpec: 'p' }), /p has 4 layers but its config lists 3 diff_ids/);
  });
});

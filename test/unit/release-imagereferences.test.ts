import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { commitUrl, compareUrl, githubRepoUrl, parseImageReferences, parseKeyValueList } from '../../src/core/release/imageReferences';
import { metadataArchitecture, metadataChannels, parseReleaseMetadata } from '../../src/core/release/metadata';
import { FIXTURES, IMAGE_REFS_410, IMAGE_REFS_48, PAYLOAD, read } from './release-fixtures';

describe('parseImageReferences', () => {
  it('reads the 146 components of the real 4.10 payload image-references (JSON)', () => {
    const refs = parseImageReferences(read(IMAGE_REFS_410));
    assert.equal(refs.name, '4.10.0-0.nightly-2021-11-14-184249');
    assert.equal(refs.creationTimestamp, '2021-11-14T18:51:28Z');
    assert.equal(refs.annotations['release.openshift.io/from-image-stream'], 'ocp/4.10-art-latest-2021-11-14-184249');
    assert.equal(refs.components.length, 146);
    assert.deepEqual(refs.warnings, []);
    const aws = refs.components[0];
    assert.deepEqual(aws, {
      name: 'aws-cloud-controller-manager',
      pullSpec: 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653',
      digest: 'sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653',
      commit: '1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
      ref: '',
      source: 'https://github.com/openshift/cloud-provider-aws',
      commitUrl: 'https://github.com/openshift/cloud-provider-aws/commit/1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
      versions: {},
      versionDisplayNames: {},
      override: false,
      annotations: {
        'io.openshift.build.commit.id': '1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
        'io.openshift.build.commit.ref': '',
        'io.openshift.build.source-location': 'https://github.com/openshift/cloud-provider-aws',
      },
    });
  });

  it('keeps empty annotation values: machine-os-content has no commit and no commit URL', () => {
    const refs = parseImageReferences(read(IMAGE_REFS_410));
    const mos = refs.components.find((c) => c.name === 'machine-os-content');
    assert.ok(mos);
    assert.equal(mos.commit, '');
    assert.equal(mos.commitUrl, undefined);
    assert.deepEqual(mos.versions, { 'machine-os': '410.84.202111112202-0' });
    assert.deepEqual(mos.versionDisplayNames, { 'machine-os': 'Red Hat Enterprise Linux CoreOS' });
    const hyperkube = refs.components.find((c) => c.name === 'hyperkube');
    assert.deepEqual(hyperkube?.versions, { kubernetes: '1.22.1' });
  });

  it('reads the 4.8 CI payload (140 tags, commit.ref master)', () => {
    const refs = parseImageReferences(read(IMAGE_REFS_48));
    assert.equal(refs.components.length, 140);
    assert.ok(refs.components.every((c) => c.pullSpec.startsWith('registry.ci.openshift.org/ocp/4.8-2021-05-03-215023@sha256:')));
    assert.equal(refs.components.filter((c) => c.ref === 'master').length > 100, true);
  });

  it('reads the YAML image-references of the CVO test data (no tags, no trailing newline)', () => {
    for (const dir of ['payloadtest', 'payloadtestarch']) {
      const text = read(path.join(PAYLOAD, 'cvo-testdata', dir, 'image-references'));
      assert.ok(!text.endsWith('\n'));
      const refs = parseImageReferences(text);
      assert.equal(refs.name, '1.0.0-abc');
      assert.deepEqual(refs.components, []);
    }
  });

  it("reads an operator repository's YAML image-references with placeholder pullspecs", () => {
    const refs = parseImageReferences(read(path.join(FIXTURES, 'operator-image-references', 'cluster-image-registry-operator.image-references')));
    assert.deepEqual(
      refs.components.map((c) => [c.name, c.pullSpec, c.digest]),
      [
        ['cluster-image-registry-operator', 'docker.io/openshift/origin-cluster-image-registry-operator:latest', ''],
        ['docker-registry', 'docker.io/openshift/origin-docker-registry:latest', ''],
        ['cli', 'quay.io/openshift/origin-cli:v4.0', ''],
      ],
    );
  });

  it('marks overridden tags and skips non-DockerImage tags and duplicates', () => {
    const text = JSON.stringify({
      kind: 'ImageStream',
      apiVersion: 'image.openshift.io/v1',
      metadata: { name: '4.19.0-okd-scos.0' },
      spec: {
        tags: [
          { name: 'a', annotations: { 'io.openshift.release.override': 'true' }, from: { kind: 'DockerImage', name: 'quay.io/me/a:dev' } },
          { name: 'b', from: { kind: 'ImageStreamTag', name: 'b:latest' } },
          { name: 'a', from: { kind: 'DockerImage', name: 'quay.io/me/a:other' } },
        ],
      },
    });
    const refs = parseImageReferences(text);
    assert.deepEqual(refs.components.map((c) => [c.name, c.override, c.pullSpec]), [['a', true, 'quay.io/me/a:dev']]);
    assert.deepEqual(refs.warnings, ['image-references: tag a appears more than once; the first is used']);
  });

  it('rejects documents that are not an image.openshift.io/v1 ImageStream with not-a-payload', () => {
    const cases: [string, string][] = [
      ['{"kind":"Deployment","apiVersion":"apps/v1"}', 'image-references is not an image.openshift.io/v1 ImageStream (kind "Deployment", apiVersion "apps/v1")'],
      ['kind: ImageStream\napiVersion: v1\n', 'image-references is not an image.openshift.io/v1 ImageStream (kind "ImageStream", apiVersion "v1")'],
      ['[]', 'image-references is not an image.openshift.io/v1 ImageStream (not an object)'],
      ['', 'image-references is not an image.openshift.io/v1 ImageStream (not an object)'],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseImageReferences(text),
        (err: unknown) => err instanceof OkdError && err.kind === 'not-a-payload' && err.message === message,
        message,
      );
    }
    assert.throws(
      () => parseImageReferences('kind: [unclosed'),
      (err: unknown) => err instanceof OkdError && err.kind === 'not-a-payload' && err.message.startsWith('image-references is neither JSON nor YAML'),
    );
  });
});

describe('source links', () => {
  it('builds GitHub commit and compare URLs only for github.com sources', () => {
    assert.equal(githubRepoUrl('https://github.com/openshift/oc.git'), 'https://github.com/openshift/oc');
    assert.equal(githubRepoUrl('git@github.com:openshift/oc.git'), 'https://github.com/openshift/oc');
    assert.equal(githubRepoUrl('http://github.com/openshift/oc/'), 'https://github.com/openshift/oc');
    assert.equal(githubRepoUrl('https://gitlab.com/openshift/oc'), undefined);
    assert.equal(githubRepoUrl(''), undefined);
    assert.equal(commitUrl('https://github.com/openshift/oc.git', 'abc'), 'https://github.com/openshift/oc/commit/abc');
    assert.equal(commitUrl('https://github.com/openshift/oc', ''), undefined);
    assert.equal(commitUrl('https://example.com/openshift/oc', 'abc'), undefined);
    assert.equal(compareUrl('https://github.com/openshift/oc', 'a1', 'b2'), 'https://github.com/openshift/oc/compare/a1...b2');
  });

  it('parses io.openshift.build.versions lists', () => {
    assert.deepEqual(parseKeyValueList('kubernetes=1.22.1, machine-os=410.84,bad,=x'), { kubernetes: '1.22.1', 'machine-os': '410.84' });
    assert.deepEqual(parseKeyValueList(''), {});
  });
});

describe('parseReleaseMetadata', () => {
  it('reads the real OCP 4.1.0 release-metadata', () => {
    const m = parseReleaseMetadata(read(path.join(PAYLOAD, 'ocp-4.1.0-release-metadata.json')));
    assert.deepEqual(m, {
      kind: 'cincinnati-metadata-v0',
      version: '4.1.0',
      previous: [],
      next: [],
      metadata: { description: '', url: 'https://access.redhat.com/errata/RHBA-2019:0758' },
    });
  });

  it('reads the CVO test data, including the multi architecture key and channels', () => {
    const plain = parseReleaseMetadata(read(path.join(PAYLOAD, 'cvo-testdata', 'payloadtest', 'release-metadata')));
    assert.deepEqual(plain.previous, ['1.1.1', '1.2.2']);
    assert.equal(metadataArchitecture(plain), undefined);
    assert.deepEqual(metadataChannels(plain), ['channel-c', 'channel-a', 'channel-b']);
    const arch = parseReleaseMetadata(read(path.join(PAYLOAD, 'cvo-testdata', 'payloadtestarch', 'release-metadata')));
    assert.equal(metadataArchitecture(arch), 'multi');
  });

  it('rejects other kinds and non-JSON with not-a-payload', () => {
    assert.throws(
      () => parseReleaseMetadata('{"kind":"cincinnati-metadata-v1","version":"1"}'),
      (err: unknown) =>
        err instanceof OkdError && err.kind === 'not-a-payload' && err.message === 'release-metadata has kind "cincinnati-metadata-v1", expected cincinnati-metadata-v0',
    );
    assert.throws(
      () => parseReleaseMetadata('version: 1'),
      (err: unknown) => err instanceof OkdError && err.kind === 'not-a-payload' && err.message.startsWith('release-metadata is not JSON'),
    );
    assert.throws(
      () => parseReleaseMetadata('[1]'),
      (err: unknown) => err instanceof OkdError && err.message === 'release-metadata is not a JSON object',
    );
  });
});

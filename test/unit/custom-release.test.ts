// The pure parts of the custom release commands: dev image choices, default target, args, the source annotation,
// the comparison document with override marks (and diffReleases' override field it relies on).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffReleases } from '../../src/core/release/diff';
import type { Release } from '../../src/core/release/model';
import { buildRelease } from '../../src/core/release/operators';
import { renderReleaseDiff } from '../../src/core/release/render';
import {
  defaultCustomTarget,
  devImageChoices,
  devRepositoryRef,
  parseCreateArgs,
  parseDevTag,
  pullspecProblem,
  renderSourceComparison,
  replacedImages,
  sourceReleaseOf,
  targetProblem,
} from '../../src/vscode/custom/plan';
import { metadataFor } from './release-fixtures';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const img = (c: string) => `quay.io/okd/scos-content@${d(c)}`;

function release(version: string, digest: string, components: [string, string, string, boolean?][], streamAnnotations: Record<string, string> = {}): Release {
  const tags = components.map(([name, pullSpec, commit, override]) => ({
    name,
    annotations: {
      'io.openshift.build.commit.id': commit,
      'io.openshift.build.source-location': `https://github.com/openshift/${name}`,
      ...(override ? { 'io.openshift.release.override': 'true' } : {}),
    },
    from: { kind: 'DockerImage', name: pullSpec },
  }));
  const files = new Map<string, string>([
    ['image-references', JSON.stringify({ kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', metadata: { name: version, annotations: streamAnnotations }, spec: { tags } })],
    ['release-metadata', metadataFor(version, [])],
  ]);
  return buildRelease({ pullSpec: `quay.io/okd/scos-release:${version}`, digest, created: '2026-11-01T10:00:00Z', os: 'linux', architecture: 'amd64', labels: {}, files });
}

describe('dev images for the image picker', () => {
  it('parses the inner loop tags (devTag) and nothing else', () => {
    assert.deepEqual(parseDevTag('cluster-image-registry-operator-0a1b2c3-dirty-20261121093015'), {
      tag: 'cluster-image-registry-operator-0a1b2c3-dirty-20261121093015',
      component: 'cluster-image-registry-operator',
      commit: '0a1b2c3',
      dirty: true,
      stamp: '20261121093015',
    });
    assert.equal(parseDevTag('my-op-nocommit-20261121093015')?.commit, '');
    assert.equal(parseDevTag('latest'), undefined);
    assert.equal(parseDevTag('cluster-image-registry-operator-0a1b2c3-2026112109'), undefined);
  });

  it("offers this component's builds newest first, then other builds, then other tags", () => {
    const tags = [
      'latest',
      'cluster-samples-operator-1111111-20261121100000',
      'cluster-image-registry-operator-0a1b2c3-20261120080000',
      'cluster-image-registry-operator-0a1b2c3-dirty-20261121093015',
      'dev',
    ];
    const choices = devImageChoices('quay.io/me/okd-dev', tags, 'cluster-image-registry-operator');
    assert.deepEqual(
      choices.map((c) => [c.tag, c.matches]),
      [
        ['cluster-image-registry-operator-0a1b2c3-dirty-20261121093015', true],
        ['cluster-image-registry-operator-0a1b2c3-20261120080000', true],
        ['cluster-samples-operator-1111111-20261121100000', false],
        ['latest', false],
        ['dev', false],
      ],
    );
    assert.equal(choices[0]?.pullSpec, 'quay.io/me/okd-dev:cluster-image-registry-operator-0a1b2c3-dirty-20261121093015');
  });

  it('wants okd.devRepository without a tag', () => {
    assert.equal(devRepositoryRef(' quay.io/me/okd-dev '), 'quay.io/me/okd-dev');
    assert.throws(() => devRepositoryRef('quay.io/me/okd-dev:dev'), /has a tag or digest/);
  });
});

describe('target and pullspec validation', () => {
  const now = new Date('2026-11-21T09:30:15Z');

  it('defaults to the dev repository, else the source repository, tagged <version>-custom-<stamp>', () => {
    assert.equal(defaultCustomTarget('quay.io/okd/scos-release:4.19.0-okd-scos.16', '4.19.0-okd-scos.16', 'quay.io/me/okd-dev', now), 'quay.io/me/okd-dev:4.19.0-okd-scos.16-custom-202611210930');
    assert.equal(
      defaultCustomTarget(`127.0.0.1:5000/okd/scos-release@${d('1')}`, '4.19.0-okd-scos.16', '', now),
      '127.0.0.1:5000/okd/scos-release:4.19.0-okd-scos.16-custom-202611210930',
    );
    // build metadata (+) is not allowed in a tag
    assert.equal(defaultCustomTarget('quay.io/okd/scos-release:x', '4.19.0+abc', '', now), 'quay.io/okd/scos-release:4.19.0-custom-202611210930-abc');
  });

  it('explains a bad pullspec or a digest target', () => {
    assert.equal(pullspecProblem('quay.io/me/op:dev'), undefined);
    assert.ok(pullspecProblem(''));
    assert.ok(pullspecProblem('quay.io/Me/op:dev:x'));
    assert.equal(targetProblem('quay.io/me/okd-dev:custom'), undefined);
    assert.match(targetProblem(`quay.io/me/okd-dev@${d('1')}`) ?? '', /digest is known only after the push/);
  });

  it('reads the test args, rejecting empty or invalid replacements', () => {
    assert.deepEqual(parseCreateArgs({ release: 'r/e:1', replacements: { a: ' quay.io/me/a:dev ' }, to: 'r/c:x' }), {
      release: 'r/e:1',
      replacements: [{ name: 'a', image: 'quay.io/me/a:dev' }],
      to: 'r/c:x',
    });
    assert.equal(parseCreateArgs('quay.io/okd/scos-release:1'), undefined);
    assert.equal(parseCreateArgs({ release: 'r/e:1' }), undefined);
    assert.throws(() => parseCreateArgs({ release: 'r/e:1', replacements: {}, to: 'r/c:x' }), /at least one replacement/);
    assert.throws(() => parseCreateArgs({ release: 'r/e:1', replacements: { a: 'not a pullspec' }, to: 'r/c:x' }), /replacement a/);
  });
});

describe('Compare with Source', () => {
  const source = release('4.19.0-okd-scos.16', d('1'), [
    ['cluster-image-registry-operator', img('a'), 'c0ffee1'],
    ['cluster-samples-operator', img('b'), 'beef'],
    ['installer', img('c'), 'cafe'],
  ]);
  const custom = release(
    '4.19.0-okd-scos.16-custom-202611210930',
    d('2'),
    [
      ['cluster-image-registry-operator', 'quay.io/me/okd-dev@' + d('f'), 'feedfac', true],
      ['cluster-samples-operator', img('b'), 'beef'],
      ['installer', img('c'), 'cafe'],
    ],
    { 'release.openshift.io/from-release': `quay.io/okd/scos-release@${d('1')}` },
  );

  it('finds the source in the from-release annotation', () => {
    assert.equal(sourceReleaseOf(custom), `quay.io/okd/scos-release@${d('1')}`);
    assert.equal(sourceReleaseOf(source), undefined);
  });

  it('diffReleases marks replaced entries override; ordinary entries carry no field', () => {
    const diff = diffReleases(source, custom);
    assert.deepEqual(diff.changed.map((c) => [c.name, c.override]), [['cluster-image-registry-operator', true]]);
    assert.equal('override' in (diffReleases(custom, source).changed[0] ?? {}), false);
    assert.deepEqual(replacedImages(diff), [{ name: 'cluster-image-registry-operator', from: img('a'), to: `quay.io/me/okd-dev@${d('f')}`, override: true }]);
  });

  it('renders the replaced images with their override mark above the release diff', () => {
    const diff = diffReleases(source, custom);
    const text = renderSourceComparison(`quay.io/okd/scos-release@${d('1')}`, 'quay.io/me/okd-dev:x', diff, renderReleaseDiff(source, custom, diff, { commits: true }));
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 8), [
      'Custom release 4.19.0-okd-scos.16-custom-202611210930 (quay.io/me/okd-dev:x)',
      `built from 4.19.0-okd-scos.16 (quay.io/okd/scos-release@${d('1')})`,
      '',
      'Replaced images: 1',
      '  cluster-image-registry-operator  [override]',
      `                                   from ${img('a')}`,
      `                                   to   quay.io/me/okd-dev@${d('f')}`,
      '',
    ]);
    assert.ok(lines.includes('Images Changed:'), text);
    assert.ok(!text.includes('cluster-samples-operator'), 'unchanged components are not listed');
  });
});

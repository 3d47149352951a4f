import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRelease } from '../../src/core/release/operators';
import { renderReleaseInfo, sortSemanticVersions, tabwrite, toReleaseInfoJson } from '../../src/core/release/render';
import { DIGEST_A, IMAGE_REFS_410, NAME_410, payload410, payloadPullspecs, read } from './release-fixtures';

const release = buildRelease(payload410());
const pullspecs = payloadPullspecs(read(IMAGE_REFS_410));

describe('renderReleaseInfo', () => {
  it('prints the header, release metadata and component versions like oc adm release info', () => {
    const lines = renderReleaseInfo(release).split('\n');
    assert.deepEqual(lines.slice(0, 20), [
      `Name:      ${NAME_410}`,
      `Digest:    ${DIGEST_A}`,
      'Created:   2021-11-14T18:51:28Z',
      'OS/Arch:   linux/amd64',
      'Manifests: 6',
      '',
      `Pull From: quay.io/openshift-release-dev/ocp-release@${DIGEST_A}`,
      '',
      'Release Metadata:',
      `  Version:  ${NAME_410}`,
      '  Upgrades: 4.8.0-0.ci-2021-05-03-215023, 4.9.0, 4.9.2, 4.9.10',
      '  Metadata:',
      '    io.openshift.upgrades.graph.release.channels: candidate-4.10,fast-4.10',
      `    url:                                          https://example.com/${NAME_410}`,
      '',
      'Component Versions:',
      '  kubernetes 1.22.1',
      '  machine-os 410.84.202111112202-0 Red Hat Enterprise Linux CoreOS',
      '',
      'Images:',
    ]);
    assert.equal(lines[20], '  NAME                                           DIGEST');
    assert.equal(lines[21], '  aws-cloud-controller-manager                   sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653');
    assert.equal(lines.filter((l) => /^ {2}\S+ +sha256:[0-9a-f]{64}$/.test(l)).length, 146);
  });

  it('--pullspecs, --commits and --commit-urls variants', () => {
    const find = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(`  ${name} `) || l === `  ${name}`);
    const p = renderReleaseInfo(release, { view: 'pullspecs' });
    assert.ok(p.includes('\n  NAME                                           PULL SPEC\n'));
    assert.equal(find(p, 'cli'), `  cli                                            ${pullspecs.get('cli')}`);
    const c = renderReleaseInfo(release, { view: 'commits' });
    assert.ok(c.includes('\n  NAME                                           REPO                                                                        COMMIT\n'));
    assert.match(find(c, 'aws-cloud-controller-manager') as string, /^ {2}aws-cloud-controller-manager +https:\/\/github\.com\/openshift\/cloud-provider-aws +1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20$/);
    assert.equal(find(c, 'machine-os-content'), '  machine-os-content');
    const u = renderReleaseInfo(release, { view: 'commit-urls' });
    assert.equal(
      find(u, 'aws-cloud-controller-manager'),
      '  aws-cloud-controller-manager                   https://github.com/openshift/cloud-provider-aws/commit/1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
    );
  });

  it('--operators shows namespaces, deployments and which component each container runs', () => {
    const text = renderReleaseInfo(release, { view: 'operators' });
    const lines = text.split('\n');
    const start = lines.indexOf('Operators:');
    assert.deepEqual(lines.slice(start, start + 11), [
      'Operators:',
      '  cluster-image-registry-operator (runlevel 50)',
      '    Namespaces:        openshift-image-registry',
      '    Cluster Operators: image-registry',
      '    Manifests:         2',
      '    Images:            cli, cluster-image-registry-operator, docker-registry',
      '    Deployment openshift-image-registry/cluster-image-registry-operator',
      `      container cluster-image-registry-operator: cluster-image-registry-operator (${pullspecs.get('cluster-image-registry-operator')})`,
      '        env OPERATOR_IMAGE -> cluster-image-registry-operator',
      '        env IMAGE -> docker-registry',
      '        env IMAGE_PRUNER -> cli',
    ]);
    assert.ok(lines.includes(`      container cluster-samples-operator-watch: cluster-samples-operator (${pullspecs.get('cluster-samples-operator')})`));
  });

  it('shows multi-arch payloads by list digest and platform list, and Upgrades <none>', () => {
    const input = payload410();
    input.listDigest = `sha256:${'c'.repeat(64)}`;
    input.platforms = ['linux/amd64', 'linux/arm64'];
    input.files.set('release-metadata', JSON.stringify({ kind: 'cincinnati-metadata-v0', version: '4.10.0', previous: [], metadata: { description: '' } }));
    const lines = renderReleaseInfo(buildRelease(input)).split('\n');
    assert.equal(lines[0], 'Name:      4.10.0');
    assert.equal(lines[1], `Digest:    sha256:${'c'.repeat(64)}`);
    assert.equal(lines[3], 'OS/Arch:   multi (linux/amd64, linux/arm64)');
    assert.equal(lines[6], `Pull From: quay.io/openshift-release-dev/ocp-release@sha256:${'c'.repeat(64)}`);
    assert.deepEqual(lines.slice(8, 12), ['Release Metadata:', '  Version:  4.10.0', '  Upgrades: <none>', '  Metadata:']);
    assert.equal(lines[12], '', 'empty metadata values are not printed');
  });

  it('lists warnings at the end', () => {
    const input = payload410(new Map([['0000_40_broken_x.yaml', 'kind: Namespace\nmetadata: {name: [\n']]));
    const text = renderReleaseInfo(buildRelease(input));
    assert.match(text, /\nWarnings:\n\* manifest 0000_40_broken_x\.yaml could not be parsed, its objects are ignored: .+\n$/);
  });
});

describe('toReleaseInfoJson', () => {
  it('has the fields the CLI prints with -o json', () => {
    const json = JSON.parse(JSON.stringify(toReleaseInfoJson(release)));
    assert.equal(json.name, NAME_410);
    assert.equal(json.version, NAME_410);
    assert.equal(json.digest, DIGEST_A);
    assert.equal(json.created, '2021-11-14T18:51:28Z');
    assert.equal(json.os, 'linux');
    assert.equal(json.arch, 'amd64');
    assert.equal(json.manifests, 6);
    assert.deepEqual(json.metadata.previous, ['4.9.0', '4.9.10', '4.9.2', '4.8.0-0.ci-2021-05-03-215023']);
    assert.equal(json.metadata.metadata.url, `https://example.com/${NAME_410}`);
    assert.equal(json.images.length, 146);
    assert.deepEqual(json.images[0], {
      name: 'aws-cloud-controller-manager',
      pullSpec: 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653',
      digest: 'sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653',
      commit: '1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
      ref: '',
      source: 'https://github.com/openshift/cloud-provider-aws',
      override: false,
      commitUrl: 'https://github.com/openshift/cloud-provider-aws/commit/1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
    });
    const registry = json.operators.find((o: { name: string }) => o.name === 'cluster-image-registry-operator');
    assert.deepEqual(registry, {
      name: 'cluster-image-registry-operator',
      runlevels: ['50'],
      namespaces: ['openshift-image-registry'],
      deployments: [
        {
          kind: 'Deployment',
          namespace: 'openshift-image-registry',
          name: 'cluster-image-registry-operator',
          containers: [{ name: 'cluster-image-registry-operator', image: pullspecs.get('cluster-image-registry-operator'), component: 'cluster-image-registry-operator' }],
        },
      ],
      clusterOperators: ['image-registry'],
      manifests: ['0000_50_cluster-image-registry-operator_07-operator.yaml', '0000_50_cluster-image-registry-operator_08-clusteroperator.yaml'],
      images: ['cli', 'cluster-image-registry-operator', 'docker-registry'],
    });
    assert.ok(!JSON.stringify(json).includes('kind: Deployment'), 'manifest contents are not in the JSON');
  });
});

describe('helpers', () => {
  it('tabwrite aligns columns per block like Go text/tabwriter', () => {
    assert.equal(tabwrite('a:\t1\nlonger:\t2\n\nx:\t3'), 'a:      1\nlonger: 2\n\nx: 3');
    assert.equal(tabwrite('  NAME\tDIGEST\n  a\tsha\n  bb\tsha', 2), '  NAME  DIGEST\n  a     sha\n  bb    sha');
    assert.equal(tabwrite('k\tv\t\n'), 'k v\n');
  });

  it('sorts semantic versions, leaving the list alone if any is not one', () => {
    assert.deepEqual(sortSemanticVersions(['4.9.10', '4.9.2', '4.10.0-rc.1', '4.10.0', '4.10.0-rc.0']), ['4.9.2', '4.9.10', '4.10.0-rc.0', '4.10.0-rc.1', '4.10.0']);
    assert.deepEqual(sortSemanticVersions(['b', '4.9.0']), ['b', '4.9.0']);
  });
});

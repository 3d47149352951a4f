import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffReleases } from '../../src/core/release/diff';
import { Release } from '../../src/core/release/model';
import { buildRelease } from '../../src/core/release/operators';
import { renderReleaseDiff } from '../../src/core/release/render';
import { DIGEST_A, DIGEST_B, metadataFor, payload410, payload48 } from './release-fixtures';

const from48 = buildRelease(payload48());
const to410 = buildRelease(payload410());

describe('diffReleases: real 4.8 CI -> 4.10 nightly', () => {
  const diff = diffReleases(from48, to410);

  it('sorts components into changed, rebuilt, added and removed as oc does', () => {
    assert.equal(diff.from, 'registry.ci.openshift.org/ocp/release:4.8.0-0.ci-2021-05-03-215023');
    assert.equal(diff.to, 'quay.io/openshift-release-dev/ocp-release:4.10.0-x86_64');
    assert.equal(diff.identical, false);
    assert.equal(diff.changed.length, 132);
    assert.deepEqual(diff.rebuilt.map((r) => r.name), ['kube-storage-version-migrator', 'machine-os-content']);
    assert.deepEqual(diff.added.map((a) => a.name), [
      'azure-cloud-controller-manager',
      'azure-cloud-node-manager',
      'azure-file-csi-driver',
      'azure-file-csi-driver-operator',
      'csi-driver-shared-resource',
      'csi-driver-shared-resource-operator',
      'driver-toolkit',
      'ibm-cloud-controller-manager',
      'ibmcloud-machine-controllers',
      'ironic-agent',
      'network-tools',
      'powervs-machine-controllers',
    ]);
    assert.deepEqual(diff.removed.map((r) => r.name), [
      'cluster-cloud-controller-manager-operator-src',
      'ironic-inspector',
      'kubevirt-machine-controllers',
      'local-storage-static-provisioner',
      'mdns-publisher',
      'ovirt-installer',
    ]);
  });

  it('gives GitHub compare links for changed images', () => {
    assert.deepEqual(diff.changed[0], {
      name: 'aws-cloud-controller-manager',
      from: 'registry.ci.openshift.org/ocp/4.8-2021-05-03-215023@sha256:2209730f7b459bbf513a0915782578c907915e54f8f5ad3fde571dd377ff90bc',
      to: 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653',
      commitFrom: '23258028fb1492a2290b23af67c4fb99aa768fc7',
      commitTo: '1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
      compareUrl:
        'https://github.com/openshift/cloud-provider-aws/compare/23258028fb1492a2290b23af67c4fb99aa768fc7...1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
      sourceFrom: 'https://github.com/openshift/cloud-provider-aws',
      sourceTo: 'https://github.com/openshift/cloud-provider-aws',
    });
    // `pod` moved repository between the two releases: no compare link across repositories
    const pod = diff.changed.find((c) => c.name === 'pod');
    assert.ok(pod);
    assert.notEqual(pod.sourceFrom, pod.sourceTo);
    assert.equal(pod.compareUrl, undefined);
  });

  it('compares manifests by content and checks the upgrade edge', () => {
    // the same operator files exist in both; the release name was substituted, so every one differs
    assert.equal(diff.manifestsChanged.length, 6);
    assert.deepEqual(diff.manifestsAdded, []);
    assert.deepEqual(diff.manifestsRemoved, []);
    assert.equal(diff.upgradeFrom, true, '4.10 metadata lists the 4.8 CI name in previous');
    assert.equal(diffReleases(to410, from48).upgradeFrom, false);
  });

  it('renders like oc adm release info FROM TO', () => {
    const text = renderReleaseDiff(from48, to410, diff);
    const lines = text.split('\n');
    // columns align per block of consecutive lines, as Go's tabwriter does for oc
    assert.deepEqual(lines.slice(0, 7), [
      '          FROM                                                                     TO',
      'Name:     4.8.0-0.ci-2021-05-03-215023                                             4.10.0-0.nightly-2021-11-14-184249',
      'Created:  2021-05-03T21:50:30Z                                                     2021-11-14T18:51:28Z',
      `Digest:   ${DIGEST_B}  ${DIGEST_A}`,
      '',
      'Version:       4.8.0-0.ci-2021-05-03-215023  4.10.0-0.nightly-2021-11-14-184249',
      'Upgrade From:                                Yes',
    ]);
    assert.ok(lines.includes('Images Changed:'));
    assert.ok(
      lines.includes(
        '  aws-cloud-controller-manager                    sha256:2209730f7b459bbf513a0915782578c907915e54f8f5ad3fde571dd377ff90bc  sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653',
      ),
    );
    const rebuilt = lines.indexOf('Images Rebuilt:');
    assert.ok(lines[rebuilt + 1]?.startsWith('  kube-storage-version-migrator  sha256:'));
    const added = lines.indexOf('Images Added:');
    assert.match(lines[added + 1] as string, /^ {2}azure-cloud-controller-manager {7}sha256:[0-9a-f]{64}$/);
    const removed = lines.indexOf('Images Removed:');
    assert.equal(lines[removed + 1], '  cluster-cloud-controller-manager-operator-src');
    assert.ok(lines.includes('Manifests: 6 changed, 0 added, 0 removed'));
    assert.ok(lines.includes('  changed  0000_50_cluster-image-registry-operator_07-operator.yaml'));

    const withCommits = renderReleaseDiff(from48, to410, diff, { commits: true }).split('\n');
    assert.ok(
      withCommits.includes(
        '  aws-cloud-controller-manager                    https://github.com/openshift/cloud-provider-aws/compare/23258028fb1492a2290b23af67c4fb99aa768fc7...1f666fd6a58bbb6a6e57d02cb4c1e2d029eb0f20',
      ),
    );
    assert.ok(
      withCommits.includes(
        '  pod                                             https://github.com/openshift/images/commit/bcab0f7337420343611546aae2634eaf0d36c33e -> https://github.com/openshift/kubernetes/commit/f773b8b2b47b6f908236a76f4cafcb04bb2a43fe',
      ),
    );
    assert.ok(withCommits.includes('  machine-os-content             <unknown>'));
  });
});

/** A minimal release for crafted cases. */
function release(version: string, digest: string, components: [string, string, string][], manifests: Record<string, string> = {}, previous: string[] = []): Release {
  const tags = components.map(([name, pullSpec, commit]) => ({
    name,
    annotations: { 'io.openshift.build.commit.id': commit, 'io.openshift.build.source-location': `https://github.com/openshift/${name}` },
    from: { kind: 'DockerImage', name: pullSpec },
  }));
  const files = new Map<string, string>([
    ['image-references', JSON.stringify({ kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', metadata: { name: version }, spec: { tags } })],
    ['release-metadata', metadataFor(version, previous)],
    ...Object.entries(manifests),
  ]);
  return buildRelease({ pullSpec: `quay.io/okd/scos-release:${version}`, digest, created: '2025-06-30T05:23:14Z', os: 'linux', architecture: 'amd64', labels: {}, files });
}

const d = (c: string) => `sha256:${c.repeat(64)}`;
const img = (c: string) => `quay.io/okd/scos-content@${d(c)}`;

describe('diffReleases: one crafted case per category', () => {
  const old = release(
    '4.19.0-okd-scos.0',
    d('1'),
    [
      ['changed-op', img('a'), 'c0ffee1'],
      ['rebuilt-op', img('b'), 'beef'],
      ['same-op', img('c'), 'cafe'],
      ['removed-op', img('d'), 'dead'],
      ['no-commit', img('e'), ''],
    ],
    { '0000_50_a_x.yaml': 'a: 1\n', '0000_50_b_x.yaml': 'b: 1\n', '0000_50_gone_x.yaml': 'g: 1\n' },
  );
  const next = release(
    '4.19.0-okd-scos.1',
    d('2'),
    [
      ['changed-op', img('f'), 'c0ffee2'],
      ['rebuilt-op', img('0'), 'beef'],
      ['same-op', img('c'), 'cafe'],
      ['added-op', img('9'), 'new1'],
      ['no-commit', img('8'), 'abc'],
    ],
    { '0000_50_a_x.yaml': 'a: 1\n', '0000_50_b_x.yaml': 'b: 2\n', '0000_50_new_x.yaml': 'n: 1\n' },
    ['4.19.0-okd-scos.0'],
  );
  const diff = diffReleases(old, next);

  it('produces the JSON shape the CLI prints', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(diff)), {
      from: 'quay.io/okd/scos-release:4.19.0-okd-scos.0',
      to: 'quay.io/okd/scos-release:4.19.0-okd-scos.1',
      fromVersion: '4.19.0-okd-scos.0',
      toVersion: '4.19.0-okd-scos.1',
      identical: false,
      changed: [
        {
          name: 'changed-op',
          from: img('a'),
          to: img('f'),
          commitFrom: 'c0ffee1',
          commitTo: 'c0ffee2',
          compareUrl: 'https://github.com/openshift/changed-op/compare/c0ffee1...c0ffee2',
          sourceFrom: 'https://github.com/openshift/changed-op',
          sourceTo: 'https://github.com/openshift/changed-op',
        },
      ],
      // an image whose old commit is unknown counts as rebuilt, as in oc (codeChanged needs both commits)
      rebuilt: [
        { name: 'no-commit', from: img('e'), to: img('8'), commit: 'abc' },
        { name: 'rebuilt-op', from: img('b'), to: img('0'), commit: 'beef' },
      ],
      added: [{ name: 'added-op', pullSpec: img('9'), commit: 'new1', source: 'https://github.com/openshift/added-op' }],
      removed: [{ name: 'removed-op', pullSpec: img('d'), commit: 'dead', source: 'https://github.com/openshift/removed-op' }],
      manifestsChanged: ['0000_50_b_x.yaml'],
      manifestsAdded: ['0000_50_new_x.yaml'],
      manifestsRemoved: ['0000_50_gone_x.yaml'],
      upgradeFrom: true,
    });
  });

  it('renders every section', () => {
    assert.equal(
      renderReleaseDiff(old, next, diff),
      [
        '          FROM                                                                     TO',
        'Name:     4.19.0-okd-scos.0                                                        4.19.0-okd-scos.1',
        'Created:  2025-06-30T05:23:14Z                                                     2025-06-30T05:23:14Z',
        `Digest:   ${d('1')}  ${d('2')}`,
        '',
        'Version:       4.19.0-okd-scos.0  4.19.0-okd-scos.1',
        'Upgrade From:                     Yes',
        '',
        'Images Changed:',
        `  changed-op  ${d('a')}  ${d('f')}`,
        '',
        'Images Rebuilt:',
        `  no-commit   ${d('e')}  ${d('8')}`,
        `  rebuilt-op  ${d('b')}  ${d('0')}`,
        '',
        'Images Added:',
        `  added-op  ${d('9')}`,
        '',
        'Images Removed:',
        '  removed-op',
        '',
        'Manifests: 1 changed, 1 added, 1 removed',
        '  changed  0000_50_b_x.yaml',
        '  added    0000_50_new_x.yaml',
        '  removed  0000_50_gone_x.yaml',
        '',
      ].join('\n'),
    );
  });

  it('says when releases are identical, and upgradeFrom is false without metadata', () => {
    assert.equal(renderReleaseDiff(old, old, diffReleases(old, old)), 'Releases are identical\n');
    const same = diffReleases(old, old);
    assert.deepEqual([same.changed, same.rebuilt, same.added, same.removed, same.manifestsChanged], [[], [], [], [], []]);
    const noMeta = { ...next, metadata: undefined } as Release;
    assert.equal(diffReleases(old, noMeta).upgradeFrom, false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRelease } from '../../src/core/release/operators';
import { describeWorkspaceComponent, matchWorkspace, nearMisses } from '../../src/core/workspace/match';
import { payload410 } from './release-fixtures';

const release = buildRelease(payload410());

describe('matchWorkspace (git remote -> component -> Deployment/container/namespace)', () => {
  it('finds the component whose source location is a remote, and where it runs', () => {
    const [match, ...rest] = matchWorkspace([{ name: 'origin', url: 'git@github.com:openshift/cluster-image-registry-operator.git' }], release);
    assert.ok(match);
    assert.equal(match.component, 'cluster-image-registry-operator');
    assert.equal(match.remote.name, 'origin');
    assert.match(match.pullSpec, /@sha256:[0-9a-f]{64}$/);
    assert.equal(match.commit.length, 40);
    const deployment = match.placements[0];
    assert.deepEqual(deployment && { kind: deployment.kind, namespace: deployment.namespace, name: deployment.name, container: deployment.container }, {
      kind: 'Deployment',
      namespace: 'openshift-image-registry',
      name: 'cluster-image-registry-operator',
      container: 'cluster-image-registry-operator',
    });
    assert.equal(deployment?.operator, 'cluster-image-registry-operator');
    assert.deepEqual(rest, []);
    assert.equal(
      describeWorkspaceComponent(match),
      'this workspace builds cluster-image-registry-operator, which runs as Deployment openshift-image-registry/cluster-image-registry-operator (container cluster-image-registry-operator)',
    );
  });

  it('matches through a fork: the upstream remote counts, the fork origin does not', () => {
    const matches = matchWorkspace(
      [
        { name: 'origin', url: 'git@github.com:someone/cluster-image-registry-operator.git' },
        { name: 'upstream', url: 'https://github.com/openshift/cluster-image-registry-operator.git' },
      ],
      release,
    );
    assert.deepEqual(matches.map((m) => [m.component, m.remote.name]), [['cluster-image-registry-operator', 'upstream']]);
  });

  it('lists every component of a repository that builds several, those running in a Deployment first', () => {
    const sources = new Map<string, string[]>();
    for (const c of release.components) sources.set(c.source, [...(sources.get(c.source) ?? []), c.name]);
    const [source, names] = [...sources].find(([s, n]) => s && n.length > 1) as [string, string[]];
    const matches = matchWorkspace([{ name: 'origin', url: source }], release);
    assert.deepEqual(matches.map((m) => m.component).sort(), [...names].sort());
    const firstWithout = matches.findIndex((m) => !m.placements.some((p) => p.kind === 'Deployment'));
    if (firstWithout >= 0) assert.ok(matches.slice(firstWithout).every((m) => !m.placements.some((p) => p.kind === 'Deployment')));
  });

  it('matches nothing for an unrelated repository, and names near misses for a fork under another name', () => {
    assert.deepEqual(matchWorkspace([{ name: 'origin', url: 'https://github.com/me/my-operator' }], release), []);
    const near = nearMisses([{ name: 'origin', url: 'git@github.com:me/cluster-image-registry-operator.git' }], release.components);
    assert.deepEqual(near.map((c) => c.name), ['cluster-image-registry-operator']);
  });
});

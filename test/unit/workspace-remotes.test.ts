import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRemoteUrl, parseGitRemotes, sourceLocationOf } from '../../src/core/workspace/remotes';
import { dockerfileRank, rankDockerfiles } from '../../src/core/workspace/dockerfiles';

const CIRO = 'github.com/openshift/cluster-image-registry-operator';

describe('normalizeRemoteUrl', () => {
  it('reduces every way of writing a GitHub remote to host/owner/repo', () => {
    for (const url of [
      'https://github.com/openshift/cluster-image-registry-operator',
      'https://github.com/openshift/cluster-image-registry-operator.git',
      'https://github.com/openshift/cluster-image-registry-operator/',
      'https://github.com/openshift/cluster-image-registry-operator.git/',
      'http://github.com/openshift/cluster-image-registry-operator',
      'https://GitHub.com/OpenShift/Cluster-Image-Registry-Operator',
      'https://user:ghp_secret@github.com/openshift/cluster-image-registry-operator.git',
      'git@github.com:openshift/cluster-image-registry-operator.git',
      'git@github.com:openshift/cluster-image-registry-operator',
      'github.com:openshift/cluster-image-registry-operator.git',
      'ssh://git@github.com/openshift/cluster-image-registry-operator.git',
      'ssh://git@github.com:22/openshift/cluster-image-registry-operator.git',
      'git://github.com/openshift/cluster-image-registry-operator.git',
      'https://github.com:443/openshift/cluster-image-registry-operator',
      '  https://github.com/openshift/cluster-image-registry-operator?tab=readme  ',
    ]) {
      assert.equal(normalizeRemoteUrl(url), CIRO, url);
    }
  });

  it('keeps other hosts, ports and nested groups apart', () => {
    assert.equal(normalizeRemoteUrl('https://gitlab.example.com/group/sub/repo.git'), 'gitlab.example.com/group/sub/repo');
    assert.equal(normalizeRemoteUrl('ssh://git@git.example.com:2222/team/repo.git'), 'git.example.com:2222/team/repo');
    assert.notEqual(normalizeRemoteUrl('https://github.com/me/cluster-image-registry-operator'), CIRO);
  });

  it('gives nothing for local paths and file URLs', () => {
    assert.equal(normalizeRemoteUrl('/home/me/src/repo'), '');
    assert.equal(normalizeRemoteUrl('../repo'), '');
    assert.equal(normalizeRemoteUrl('file:///home/me/repo.git'), '');
    assert.equal(normalizeRemoteUrl('C:\\src\\repo'), '');
    assert.equal(normalizeRemoteUrl(''), '');
  });
});

describe('sourceLocationOf', () => {
  it('writes the https form the payload labels use, without credentials', () => {
    assert.equal(sourceLocationOf('git@github.com:openshift/cluster-image-registry-operator.git'), 'https://github.com/openshift/cluster-image-registry-operator');
    assert.equal(sourceLocationOf('https://user:tok@github.com/openshift/Repo.git'), 'https://github.com/openshift/Repo');
    assert.equal(sourceLocationOf('/local/path'), '/local/path');
  });
});

describe('parseGitRemotes', () => {
  it('takes each remote once, with its fetch URL', () => {
    const out = parseGitRemotes(
      [
        'origin\tgit@github.com:me/cluster-image-registry-operator.git (fetch)',
        'origin\tgit@github.com:me/cluster-image-registry-operator.git (push)',
        'upstream\thttps://github.com/openshift/cluster-image-registry-operator (fetch)',
        'upstream\tno_push (push)',
        '',
      ].join('\n'),
    );
    assert.deepEqual(out, [
      { name: 'origin', url: 'git@github.com:me/cluster-image-registry-operator.git' },
      { name: 'upstream', url: 'https://github.com/openshift/cluster-image-registry-operator' },
    ]);
    assert.deepEqual(parseGitRemotes(''), []);
  });
});

describe('Dockerfile ranking', () => {
  it('prefers the OKD Dockerfile, then the plain one, then Containerfile, rhel and ocp variants', () => {
    assert.deepEqual(rankDockerfiles(['Dockerfile.ocp', 'Dockerfile.rhel7', 'Dockerfile', 'README.md', 'Dockerfile.okd', 'Containerfile', 'images/x/Dockerfile.okd']), [
      'Dockerfile.okd',
      'images/x/Dockerfile.okd',
      'Dockerfile',
      'Containerfile',
      'Dockerfile.rhel7',
      'Dockerfile.ocp',
    ]);
    assert.equal(dockerfileRank('Makefile'), -1);
    assert.equal(dockerfileRank('Dockerfile.rhel'), 3);
  });
});

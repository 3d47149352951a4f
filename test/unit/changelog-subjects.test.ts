import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractRefs, parseCommitMessage, pullRequestOf } from '../../src/core/changelog/subjects';

describe('changelog commit messages, read as oc adm release info --changelog reads them', () => {
  it('takes the pull request from a merge subject or a squash subject', () => {
    assert.equal(pullRequestOf('Merge pull request #1234 from dev/branch', false), 1234);
    assert.equal(pullRequestOf('Merge branch main into dev', false), undefined);
    assert.equal(pullRequestOf('Fix it (#55)', true), 55);
    assert.equal(pullRequestOf('Merge pull request #1 from x', true), undefined);
  });

  it('reads leading Bugzilla and Jira references after branch prefixes, and only leading ones', () => {
    assert.deepEqual(extractRefs('[release-4.19] [4.18] Bug 2002, 2001: Keep it'), {
      refs: [
        { id: '2001', source: 'bugzilla', url: 'https://bugzilla.redhat.com/show_bug.cgi?id=2001' },
        { id: '2002', source: 'bugzilla', url: 'https://bugzilla.redhat.com/show_bug.cgi?id=2002' },
      ],
      rest: 'Keep it',
    });
    assert.deepEqual(extractRefs('OCPBUGS-12, API-3: Report status').refs.map((r) => r.id), ['API-3', 'OCPBUGS-12']);
    assert.deepEqual(extractRefs('OCPBUGS-7- dash form').rest, 'dash form');
    assert.deepEqual(extractRefs('Fix OCPBUGS-1 later').refs, []);
  });

  it('titles a merge by its body\'s first line and a squash by its subject without the number', () => {
    assert.deepEqual(parseCommitMessage('Merge pull request #9 from a/b', 'OCPBUGS-1: Fix the rollout\n\nLonger text', false), {
      title: 'Fix the rollout',
      pullRequest: 9,
      refs: [{ id: 'OCPBUGS-1', source: 'jira', url: 'https://issues.redhat.com/browse/OCPBUGS-1' }],
    });
    assert.equal(parseCommitMessage('Merge pull request #9 from a/b', '', false).title, 'Merge pull request #9 from a/b');
    assert.deepEqual(parseCommitMessage('Add a flag (#201)', '', true), { title: 'Add a flag', pullRequest: 201, refs: [] });
  });
});

import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/core/image/layer';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { type GitDaemon, startGitDaemon } from '../support/git/daemon';
import { SourceRepository } from '../support/git/repos';
import type { FixtureTag } from '../support/payload/manifests';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';

interface ChangelogJson {
  from: { name: string; digest: string };
  to: { name: string; digest: string };
  updatedImages: {
    name: string;
    path: string;
    repository: string;
    fromCommit: string;
    toCommit: string;
    mode?: string;
    commitCount?: number;
    commits: { subject: string; pullID?: number; pullURL?: string; commit: string; commitID?: string; commitURL?: string; bugs?: Record<string, string>; issues?: Record<string, string> }[];
    fullChangeLog?: string;
    error?: string;
  }[];
}

function tag(name: string, source: string, commit: string): FixtureTag {
  return {
    name,
    annotations: { 'io.openshift.build.commit.id': commit, 'io.openshift.build.source-location': source },
    from: { kind: 'DockerImage', name: `quay.io/okd/scos-content@${sha256(`${name} ${commit}`)}` },
  };
}

/** `git log` run directly on the served repository: what the changelog must agree with. */
function gitLog(repo: SourceRepository, args: string[]): string[] {
  return execFileSync('git', ['-C', repo.bare, 'log', '--format=%H', ...args], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('okd-dev release diff --changelog against repositories served by git daemon', () => {
  let daemon: GitDaemon;
  let registry: TestRegistry;
  let merged: SourceRepository;
  let squashed: SourceRepository;
  let rewritten: SourceRepository;
  const commits: Record<string, string> = {};
  let a: TestPayload;
  let b: TestPayload;
  let c: TestPayload;
  const push = (version: string, tags: FixtureTag[], previous: string[] = []) =>
    pushTestPayload({ client: new RegistryClient({ insecure: true }), registry: registry.host, repository: 'okd/scos-release', tag: version, version, tags, previous, small: true, tinyBase: true });

  before(async () => {
    daemon = await startGitDaemon();
    registry = await startRegistry();

    merged = new SourceRepository(daemon.base, 'openshift/operator-a');
    merged.mergePullRequest(10, 'Start the operator', ['Add main.go']);
    commits.mergedFrom = merged.head();
    merged.mergePullRequest(11, 'OCPBUGS-123: Fix the rollout', ['Wait for the rollout', 'Test it']);
    merged.commit('Pushed straight to main');
    merged.mergePullRequest(12, '[release-4.19] Bug 2001, 2002: Keep the old config', ['Keep it']);
    commits.mergedTo = merged.head();
    merged.publish();

    squashed = new SourceRepository(daemon.base, 'openshift/squashed');
    commits.squashedFrom = squashed.head();
    squashed.commit('Add a flag (#201)');
    squashed.commit('API-7: Report status (#202)');
    squashed.commit('Fix a typo');
    commits.squashedTo = squashed.head();
    squashed.publish();

    rewritten = new SourceRepository(daemon.base, 'openshift/rewritten');
    commits.rewrittenFrom = rewritten.head();
    rewritten.publish();
    commits.rewrittenLost = rewritten.lostCommit('Force-pushed away');

    const unchanged = tag('unchanged', merged.url, commits.mergedFrom);
    a = await push('4.19.0-okd-changelog.1', [
      tag('comp-a', merged.url, commits.mergedFrom),
      tag('comp-a-tools', merged.url, commits.mergedFrom),
      tag('comp-squash', squashed.url, commits.squashedFrom),
      tag('comp-gone', rewritten.url, commits.rewrittenFrom),
      tag('comp-unserved', 'https://github.com/openshift/not-served', '1'.repeat(40)),
      unchanged,
    ]);
    const changed = [tag('comp-a', merged.url, commits.mergedTo), tag('comp-a-tools', merged.url, commits.mergedTo), tag('comp-squash', squashed.url, commits.squashedTo)];
    b = await push('4.19.0-okd-changelog.2', [...changed, tag('comp-gone', rewritten.url, commits.rewrittenFrom), tag('comp-unserved', 'https://github.com/openshift/not-served', '1'.repeat(40)), unchanged], ['4.19.0-okd-changelog.1']);
    c = await push('4.19.0-okd-changelog.3', [...changed, tag('comp-gone', rewritten.url, commits.rewrittenLost), tag('comp-unserved', 'https://github.com/openshift/not-served', '2'.repeat(40)), unchanged]);
  });

  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    for (const repo of [merged, squashed, rewritten]) repo?.remove();
  });

  it('lists per changed component the merged pull requests git log shows, with oc\'s references and links (JSON)', async () => {
    const result = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog', '-o', 'json'], cliEnv(daemon.env));
    assert.equal(result.code, 0, result.stderr);
    const log = JSON.parse(result.stdout) as ChangelogJson;
    assert.equal(log.from.name, '4.19.0-okd-changelog.1');
    assert.equal(log.to.name, '4.19.0-okd-changelog.2');
    assert.deepEqual(log.updatedImages.map((u) => u.name), ['comp-a, comp-a-tools', 'comp-squash'], 'one entry per repository range, its images together; unchanged images left out');

    const [prs, squash] = log.updatedImages as [ChangelogJson['updatedImages'][0], ChangelogJson['updatedImages'][0]];
    assert.equal(prs.mode, 'merges');
    assert.deepEqual(prs.commits.map((x) => x.commit), gitLog(merged, ['--merges', '--first-parent', `${commits.mergedFrom}..${commits.mergedTo}`]));
    assert.equal(prs.commitCount, gitLog(merged, [`${commits.mergedFrom}..${commits.mergedTo}`]).length);
    assert.deepEqual(prs.commits.map((x) => [x.pullID, x.subject]), [[12, 'Keep the old config'], [11, 'Fix the rollout']]);
    assert.deepEqual(prs.commits[0]?.bugs, { 2001: 'https://bugzilla.redhat.com/show_bug.cgi?id=2001', 2002: 'https://bugzilla.redhat.com/show_bug.cgi?id=2002' });
    assert.deepEqual(prs.commits[1]?.issues, { 'OCPBUGS-123': 'https://issues.redhat.com/browse/OCPBUGS-123' });
    assert.equal(prs.commits[0]?.pullURL, 'https://github.com/openshift/operator-a/pull/12');
    assert.equal(prs.path, `https://github.com/openshift/operator-a/tree/${commits.mergedTo}`);
    assert.equal(prs.fullChangeLog, `https://github.com/openshift/operator-a/compare/${commits.mergedFrom}...${commits.mergedTo}`);

    assert.equal(squash.mode, 'squash', 'no merge commits: every commit, as oc falls back to');
    assert.deepEqual(squash.commits.map((x) => x.commit), gitLog(squashed, ['--no-merges', `${commits.squashedFrom}..${commits.squashedTo}`]));
    assert.deepEqual(squash.commits.map((x) => [x.pullID, x.subject]), [[undefined, 'Fix a typo'], [202, 'Report status'], [201, 'Add a flag']]);
    assert.deepEqual(squash.commits[1]?.issues, { 'API-7': 'https://issues.redhat.com/browse/API-7' });
    assert.equal(squash.commits[0]?.commitURL, `https://github.com/openshift/squashed/commit/${commits.squashedTo}`);
  });

  it('prints oc\'s markdown changelog with links to pull requests, issues and commits', async () => {
    const result = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog', '-o', 'markdown'], cliEnv(daemon.env));
    assert.equal(result.code, 0, result.stderr);
    const md = result.stdout;
    assert.match(md, /^# 4\.19\.0-okd-changelog\.2$/m);
    assert.match(md, /^## Changes from 4\.19\.0-okd-changelog\.1$/m);
    assert.ok(md.includes(`### [comp-a, comp-a-tools](https://github.com/openshift/operator-a/tree/${commits.mergedTo})`), md);
    assert.ok(md.includes('* [Bug 2001](https://bugzilla.redhat.com/show_bug.cgi?id=2001), [2002](https://bugzilla.redhat.com/show_bug.cgi?id=2002): Keep the old config [#12](https://github.com/openshift/operator-a/pull/12)\n'), md);
    assert.ok(md.includes('* [OCPBUGS-123](https://issues.redhat.com/browse/OCPBUGS-123): Fix the rollout [#11](https://github.com/openshift/operator-a/pull/11)\n'), md);
    assert.ok(md.includes(`* Fix a typo [${commits.squashedTo?.slice(0, 8)}](https://github.com/openshift/squashed/commit/${commits.squashedTo?.slice(0, 8)}`), md);
    assert.ok(md.includes(`* [Full changelog](https://github.com/openshift/squashed/compare/${commits.squashedFrom}...${commits.squashedTo})`), md);
  });

  it('appends the changelog to the text diff', async () => {
    const result = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog'], cliEnv(daemon.env));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Images Changed:$/m);
    assert.match(result.stdout, /^Changelog:$/m);
    assert.match(result.stdout, /^ {2}comp-a, comp-a-tools\n {4}https:\/\/github\.com\/openshift\/operator-a [0-9a-f]{8}\.\.[0-9a-f]{8}: 2 pull requests, 6 commits$/m);
    assert.match(result.stdout, /^ {4}#12 {6}2001, 2002: Keep the old config$/m);
    assert.match(result.stdout, /^ {4}[0-9a-f]{8} Fix a typo$/m);
  });

  it('clones once: a second changelog of the same repositories goes to no server, a newer commit is fetched into the same clone', async () => {
    const env = cliEnv(daemon.env);
    const before = daemon.uploadPacks();
    const first = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog', '-o', 'json'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(daemon.uploadPacks() - before, 2, 'one blobless clone per repository');
    const clone = path.join(env.OKD_DEV_CACHE_DIR as string, 'git', 'github.com', 'openshift', 'operator-a.git');
    assert.equal(execFileSync('git', ['-C', clone, 'config', 'remote.origin.partialclonefilter'], { encoding: 'utf8' }).trim(), 'blob:none');
    assert.equal(execFileSync('git', ['-C', clone, 'rev-parse', '--is-bare-repository'], { encoding: 'utf8' }).trim(), 'true');
    const inode = fs.statSync(clone).ino;

    const second = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog', '-o', 'json'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(daemon.uploadPacks() - before, 2, 'the second run asked no server');

    merged.mergePullRequest(13, 'Add a metric', ['Count things']);
    merged.publish();
    const newer = await push('4.19.0-okd-changelog.4', [tag('comp-a', merged.url, merged.head())]);
    const third = await runCli(['release', 'diff', b.pullSpec, newer.pullSpec, '--insecure', '--changelog', '-o', 'json'], env);
    assert.equal(third.code, 0, third.stderr);
    const log = JSON.parse(third.stdout) as ChangelogJson;
    assert.deepEqual(log.updatedImages[0]?.commits.map((x) => x.pullID), [13]);
    assert.equal(daemon.uploadPacks() - before, 3, 'one fetch for the missing commit');
    assert.equal(fs.statSync(clone).ino, inode, 'fetched into the same clone, not cloned again');
  });

  it('two changelogs at once on one cache clone each repository once and agree', async () => {
    const env = cliEnv(daemon.env);
    const before = daemon.uploadPacks();
    const args = ['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog', '-o', 'json'];
    const [one, two] = await Promise.all([runCli(args, env), runCli(args, env)]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(one.stdout, two.stdout);
    assert.equal(daemon.uploadPacks() - before, 2, 'the run that waited for the lock found the clone made');
  });

  it('names a force-pushed commit and an unreachable repository, and still lists the others', async () => {
    const result = await runCli(['release', 'diff', a.pullSpec, c.pullSpec, '--insecure', '--changelog', '-o', 'json'], cliEnv(daemon.env));
    assert.equal(result.code, 1);
    const log = JSON.parse(result.stdout) as ChangelogJson;
    const byName = new Map(log.updatedImages.map((u) => [u.name, u]));
    assert.equal(byName.get('comp-a, comp-a-tools')?.commits.length, 2);
    assert.match(byName.get('comp-gone')?.error ?? '', new RegExp(`commit ${commits.rewrittenLost} is not in https://github.com/openshift/rewritten, even after fetching.*force-pushed away or garbage-collected`));
    assert.match(byName.get('comp-unserved')?.error ?? '', /could not clone https:\/\/github\.com\/openshift\/not-served: .*not exported.*Check the image.s io\.openshift\.build\.source-location/);
    assert.match(result.stderr, /error: changelog of comp-gone: commit [0-9a-f]{40} is not in/);
    assert.match(result.stderr, /error: changelog of comp-unserved: could not clone/);
    assert.match(result.stderr, /error: the changelog of 2 of 4 changed source ranges could not be read/);
  });
});

/**
 * bench/release-changelog: `okd-dev release diff --changelog` for two cached releases with 10 changed components,
 * each from its own repository (3000 commits of history touching 1500 vendored files, then 20 merged pull requests
 * between the two commits) served by git daemon as github.com. The first run clones (blobless), the second finds every commit in its clones. Run on its own with
 * `node --import tsx bench/release-changelog.ts`, or as part of bench/release-info.ts.
 */
import { sha256 } from '../src/core/image/layer';
import { RegistryClient } from '../src/core/registry/client';
import { cliEnv, ensureBuilt, runCli } from '../test/support/cli';
import { startGitDaemon } from '../test/support/git/daemon';
import { SourceRepository } from '../test/support/git/repos';
import type { FixtureTag } from '../test/support/payload/manifests';
import { pushTestPayload } from '../test/support/payload/build';
import { startRegistry, type TestRegistry } from '../test/support/registry';

const COMPONENTS = 10;
const PULL_REQUESTS = 20;
/** History before FROM and the files it touches: an operator repository's size (commits and trees; blobs are filtered). */
const HISTORY = 3000;
const FILES = 1500;
const log = (message: string) => process.stderr.write(`${message}\n`);

export interface ChangelogFigures {
  changelogFirstMs: number;
  changelogSecondMs: number;
  changelogSecondVsFirst: number;
  /** The same `release diff` without --changelog: what the warm changelog adds to. */
  changelogDiffOnlyMs: number;
}

export async function benchChangelog(registry: TestRegistry): Promise<ChangelogFigures> {
  const daemon = await startGitDaemon();
  const repos: SourceRepository[] = [];
  try {
    log(`changelog: ${COMPONENTS} repositories, ${HISTORY} commits of history and ${PULL_REQUESTS} merged pull requests each...`);
    const fromTags: FixtureTag[] = [];
    const toTags: FixtureTag[] = [];
    const tag = (name: string, source: string, commit: string): FixtureTag => ({
      name,
      annotations: { 'io.openshift.build.commit.id': commit, 'io.openshift.build.source-location': source },
      from: { kind: 'DockerImage', name: `quay.io/okd/scos-content@${sha256(`${name} ${commit}`)}` },
    });
    for (let i = 0; i < COMPONENTS; i++) {
      const repo = new SourceRepository(daemon.base, `openshift/bench-operator-${i}`);
      repos.push(repo);
      repo.importHistory(HISTORY, FILES);
      for (let n = 0; n < 5; n++) repo.mergePullRequest(n + 1, `Early change ${n}`, [`early ${n}`]);
      fromTags.push(tag(`bench-operator-${i}`, repo.url, repo.head()));
      for (let n = 0; n < PULL_REQUESTS; n++) repo.mergePullRequest(100 + n, `OCPBUGS-${n}: Change ${n}`, [`change ${n}`, `test ${n}`]);
      toTags.push(tag(`bench-operator-${i}`, repo.url, repo.head()));
      repo.publish();
    }
    const client = new RegistryClient({ insecure: true });
    const push = (version: string, tags: FixtureTag[]) => pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: version, version, tags, small: true, tinyBase: true });
    const a = await push('4.19.0-okd-bench-changelog.1', fromTags);
    const b = await push('4.19.0-okd-bench-changelog.2', toTags);
    const env = cliEnv(daemon.env);
    for (const payload of [a, b]) {
      const cached = await runCli(['release', 'info', payload.digestPullSpec, '--insecure'], env);
      if (cached.code !== 0) throw new Error(cached.stderr);
    }
    const args = ['release', 'diff', a.digestPullSpec, b.digestPullSpec, '--insecure', '--changelog', '-o', 'json'];
    const first = await runCli(args, env, 300_000);
    if (first.code !== 0) throw new Error(first.stderr);
    const served = daemon.uploadPacks();
    const second = await runCli(args, env, 300_000);
    if (second.code !== 0) throw new Error(second.stderr);
    if (second.stdout !== first.stdout) throw new Error('the second changelog differs from the first');
    if (daemon.uploadPacks() !== served) throw new Error('the second changelog asked the git server again');
    const diffOnly = await runCli(args.filter((a) => a !== '--changelog'), env);
    if (diffOnly.code !== 0) throw new Error(diffOnly.stderr);
    const prs = (JSON.parse(first.stdout) as { updatedImages: { commits: unknown[] }[] }).updatedImages.reduce((sum, u) => sum + u.commits.length, 0);
    if (prs !== COMPONENTS * PULL_REQUESTS) throw new Error(`the changelog lists ${prs} pull requests, expected ${COMPONENTS * PULL_REQUESTS}`);
    log(`release diff --changelog (${COMPONENTS} components, ${prs} pull requests): first (clones) ${first.ms.toFixed(0)} ms, second (warm clones) ${second.ms.toFixed(0)} ms; release diff alone ${diffOnly.ms.toFixed(0)} ms`);
    return {
      changelogFirstMs: Math.round(first.ms),
      changelogSecondMs: Math.round(second.ms),
      changelogSecondVsFirst: +(second.ms / first.ms).toFixed(3),
      changelogDiffOnlyMs: Math.round(diffOnly.ms),
    };
  } finally {
    await daemon.stop();
    for (const repo of repos) repo.remove();
  }
}

if (require.main === module) {
  (async () => {
    ensureBuilt();
    const registry = await startRegistry();
    try {
      process.stdout.write(`${JSON.stringify(await benchChangelog(registry))}\n`);
    } finally {
      await registry.stop();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`bench/release-changelog failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}

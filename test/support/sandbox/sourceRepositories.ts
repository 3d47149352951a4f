import * as fs from 'node:fs';
import { type GitDaemon, startGitDaemon } from '../git/daemon';
import { SourceRepository } from '../git/repos';

/**
 * Pull requests merged into a served component's repository before each demo release (index = demo release): the
 * commit a release's image of that component is labelled with is the repository's head after its list.
 */
const history: Record<string, { number: number; title: string; commits: string[] }[][]> = {
  'cluster-image-registry-operator': [
    [{ number: 1001, title: 'Add the image pruner', commits: ['Add the pruner controller'] }],
    [
      { number: 1012, title: 'OCPBUGS-4711: Keep the registry available during a rollout', commits: ['Set maxUnavailable to 0', 'Test the rollout'] },
      { number: 1015, title: 'Report storage conditions on the config', commits: ['Report StorageExists'] },
    ],
  ],
  'cluster-monitoring-operator': [
    [{ number: 2101, title: 'Bump prometheus-operator', commits: ['Bump prometheus-operator to 0.75'] }],
    [{ number: 2110, title: '[release-4.19] OCPBUGS-5120: Retry the alertmanager config sync', commits: ['Retry the sync'] }],
  ],
};

export interface SandboxSources {
  daemon: GitDaemon;
  /** Git configuration as environment (url.<daemon>.insteadOf https://github.com/) for the editor's processes. */
  env: Record<string, string>;
  /** Component name -> its commit in each demo release (index = demo release). */
  commits: Map<string, string[]>;
  stop(): Promise<void>;
}

/**
 * Local repositories standing in for the source repositories of a few sandbox components, served by `git daemon` as
 * https://github.com/openshift/<component> (through git's own url.<base>.insteadOf, given as environment to the
 * processes that should see it, never in any user's configuration), so Compare shows real pull requests. The other
 * components' repositories are not served: their changelog ranges fail one by one, as against a missing repository.
 */
export async function startSandboxSources(releases: number): Promise<SandboxSources> {
  const daemon = await startGitDaemon();
  const repos: SourceRepository[] = [];
  const commits = new Map<string, string[]>();
  try {
    for (const [component, prs] of Object.entries(history)) {
      const repo = new SourceRepository(daemon.base, `openshift/${component}`);
      repos.push(repo);
      const ids: string[] = [];
      for (let i = 0; i < releases; i++) {
        for (const pr of prs[i] ?? []) repo.mergePullRequest(pr.number, pr.title, pr.commits);
        ids.push(repo.head());
      }
      repo.publish();
      commits.set(component, ids);
    }
  } catch (err) {
    await daemon.stop();
    throw err;
  } finally {
    for (const repo of repos) repo.remove();
  }
  return {
    daemon,
    env: daemon.env,
    commits,
    stop: async () => {
      await daemon.stop();
      fs.rmSync(daemon.base, { recursive: true, force: true });
    },
  };
}

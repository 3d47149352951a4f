// Workspace awareness: which payload component an open repository builds, where it runs, how to build it.
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { Logger } from '../log';
import type { Release } from '../release/model';
import { findDockerfiles } from './dockerfiles';
import { type GitInfo, readGitInfo } from './git';
import { matchWorkspace, nearMisses, type WorkspaceComponent } from './match';

export { dockerfileRank, findDockerfiles, rankDockerfiles } from './dockerfiles';
export { gitCommand, type GitInfo, parseStatusV2, readGitInfo } from './git';
export { type ComponentPlacement, describeWorkspaceComponent, matchWorkspace, nearMisses, type WorkspaceComponent } from './match';
export { type GitRemote, normalizeRemoteUrl, parseGitRemotes, sourceLocationOf } from './remotes';

export interface Workspace {
  git: GitInfo;
  /** Every component the checkout builds, best first. */
  components: WorkspaceComponent[];
  /** The chosen one: `component` when given, else the best match. */
  match: WorkspaceComponent;
  /** Dockerfiles relative to git.root, best (OKD) first. */
  dockerfiles: string[];
}

/** What the checkout says about itself, before any release is known: git and Dockerfiles. */
export interface WorkspaceFiles {
  git: GitInfo;
  dockerfiles: string[];
}

/** Reads the checkout at `dir` (git and Dockerfiles); needs no release, so it can run while the release is read. */
export async function readWorkspaceFiles(dir: string, options: { token?: CancellationTokenLike; logger?: Logger } = {}): Promise<WorkspaceFiles> {
  const git = await readGitInfo(dir, options);
  return { git, dockerfiles: await findDockerfiles(git.root) };
}

/** Reads the checkout at `dir` and finds the component of `release` it builds (or `component`, when named). */
export async function describeWorkspace(
  dir: string,
  release: Release,
  options: { component?: string; token?: CancellationTokenLike; logger?: Logger } = {},
): Promise<Workspace> {
  return matchWorkspaceFiles(await readWorkspaceFiles(dir, options), release, options);
}

/** The component of `release` a checkout read with readWorkspaceFiles builds (or `component`, when named). Pure. */
export function matchWorkspaceFiles(files: WorkspaceFiles, release: Release, options: { component?: string } = {}): Workspace {
  const { git, dockerfiles } = files;
  const components = matchWorkspace(git.remotes, release);
  let match: WorkspaceComponent | undefined;
  if (options.component) {
    match = components.find((c) => c.component === options.component);
    if (!match && !release.components.some((c) => c.name === options.component)) {
      throw new OkdError('not-found', `release ${release.version} has no component "${options.component}"`, '`okd-dev release info --commits` lists the components and their sources');
    }
    if (!match) {
      const component = release.components.find((c) => c.name === options.component);
      throw new OkdError(
        'not-found',
        `component ${options.component} of release ${release.version} is built from ${component?.source || 'an unknown source'}, which is not a remote of ${git.root}`,
        'add that repository as a git remote (git remote add upstream URL) or drop --component',
      );
    }
  } else {
    match = components[0];
  }
  if (!match) {
    const remotes = git.remotes.map((r) => `${r.name} ${r.url}`).join(', ') || 'none';
    const near = nearMisses(git.remotes, release.components).map((c) => `${c.name} (${c.source})`);
    throw new OkdError(
      'not-found',
      `no component of release ${release.version} is built from ${git.root} (remotes: ${remotes})`,
      near.length
        ? `components from a repository of the same name: ${near.slice(0, 5).join(', ')}; add it as a remote (git remote add upstream URL)`
        : 'open an operator repository whose remote is the io.openshift.build.source-location of a payload component',
    );
  }
  return { git, components, match, dockerfiles };
}

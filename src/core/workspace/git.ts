import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { Logger } from '../log';
import type { ExternalCommand } from '../build/command';
import { runCommand } from '../build/runner';
import { type GitRemote, parseGitRemotes } from './remotes';

export interface GitInfo {
  /** The top folder of the work tree. */
  root: string;
  remotes: GitRemote[];
  /** HEAD's commit id, '' in a repository without commits. */
  commit: string;
  /** Uncommitted changes to tracked files. */
  dirty: boolean;
}

/** `git -C DIR ARGS` as data. */
export function gitCommand(dir: string, args: string[]): ExternalCommand {
  // No pager, no prompts for credentials: these calls only read local state.
  return { command: 'git', args: ['-C', dir, ...args], env: { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' } };
}

/** Reads what the dev loop needs from a checkout: its root, remotes, HEAD and whether it has local changes. */
export async function readGitInfo(dir: string, options: { token?: CancellationTokenLike; logger?: Logger } = {}): Promise<GitInfo> {
  const run = (args: string[]) => runCommand(gitCommand(dir, args), { ...options, what: `git ${args[0]}` });
  let root: string;
  try {
    root = (await run(['rev-parse', '--show-toplevel'])).stdout.trim();
  } catch (err) {
    if (err instanceof OkdError && err.kind === 'not-found') throw err;
    throw new OkdError('not-found', `${dir} is not in a git repository`, 'open the operator repository (a git checkout with a remote on github.com/openshift/...)', { cause: err });
  }
  const [remotes, head, status] = await Promise.all([
    run(['remote', '-v']),
    run(['rev-parse', '--verify', '-q', 'HEAD']).catch(() => ({ stdout: '' })),
    run(['status', '--porcelain', '--untracked-files=no']),
  ]);
  return { root, remotes: parseGitRemotes(remotes.stdout), commit: head.stdout.trim(), dirty: status.stdout.trim().length > 0 };
}

import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { Logger } from '../log';
import type { ExternalCommand } from '../build/command';
import { runCommand } from '../build/runner';
import { type GitRemote, parseConfiguredRemoteUrls, parseGitRemotes, withConfiguredUrls } from './remotes';

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

/** HEAD's commit ('' before the first commit) and whether tracked files changed, from `git status --porcelain=v2 --branch`. */
export function parseStatusV2(output: string): { commit: string; dirty: boolean } {
  let commit = '';
  let dirty = false;
  for (const line of output.split('\n')) {
    if (!line) continue;
    if (line.startsWith('# ')) {
      const oid = /^# branch\.oid (\S+)/.exec(line);
      if (oid && /^[0-9a-f]{7,}$/.test(oid[1] as string)) commit = oid[1] as string;
    } else {
      dirty = true;
    }
  }
  return { commit, dirty };
}

/**
 * Reads what the dev loop needs from a checkout: its root, remotes, HEAD and whether it has local changes. Four git
 * calls at once (`status --porcelain=v2 --branch` answers both HEAD and local changes; the remotes are read both as
 * git uses them and as written, since `url.<base>.insteadOf` rewrites what `remote -v` shows).
 */
export async function readGitInfo(dir: string, options: { token?: CancellationTokenLike; logger?: Logger } = {}): Promise<GitInfo> {
  const run = (args: string[]) => runCommand(gitCommand(dir, args), { ...options, what: `git ${args[0]}` });
  const settle = <T>(p: Promise<T>) => p.then((value) => ({ value }), (error: unknown) => ({ error }));
  const [top, remotes, status, configured] = await Promise.all([
    settle(run(['rev-parse', '--show-toplevel'])),
    settle(run(['remote', '-v'])),
    settle(run(['status', '--porcelain=v2', '--branch', '--untracked-files=no'])),
    // Exits 1 when no remote has a URL: then there is nothing to add.
    settle(run(['config', '--get-regexp', '^remote\\..+\\.url$'])),
  ]);
  if ('error' in top) {
    const err = top.error;
    if (err instanceof OkdError && err.kind === 'not-found') throw err;
    throw new OkdError('not-found', `${dir} is not in a git repository`, 'open the operator repository (a git checkout with a remote on github.com/openshift/...)', { cause: err });
  }
  if ('error' in remotes) throw remotes.error;
  if ('error' in status) throw status.error;
  const asWritten = 'value' in configured ? parseConfiguredRemoteUrls(configured.value.stdout) : [];
  return { root: top.value.stdout.trim(), remotes: withConfiguredUrls(parseGitRemotes(remotes.value.stdout), asWritten), ...parseStatusV2(status.value.stdout) };
}

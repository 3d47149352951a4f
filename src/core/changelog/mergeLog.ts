import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { Logger } from '../log';
import { gitMessage, runGit } from './git';
import { type IssueRef, parseCommitMessage } from './subjects';

/** One change between two commits: a merged pull request (its merge commit), or a squash-merged or pushed commit. */
export interface ChangeCommit {
  commit: string;
  parents: string[];
  /** Committer date, ISO 8601 UTC. */
  date: string;
  /** The pull request's title (a merge's body's first line) or the commit's subject, issue references taken off. */
  title: string;
  pullRequest?: number;
  refs: IssueRef[];
}

export interface MergeLog {
  /** `merges`: merge commits on the first-parent line; `squash`: no merges there, so every commit (oc's fallback). */
  mode: 'merges' | 'squash';
  changes: ChangeCommit[];
  /** Every commit in FROM..TO, merges and what they brought. */
  commitCount: number;
}

const FORMAT = '--pretty=format:%H %P%x1E%ct%x1E%s%x1E%b';

/**
 * What `oc adm release info --changelog` lists for one repository: `git log --merges --first-parent FROM..TO`, or,
 * when that is empty (a repository that squash-merges), `git log --no-merges FROM..TO`. Unlike oc, commits that
 * name no pull request are kept (by commit id) rather than dropped: a pushed fix is a change too.
 */
export async function mergeLog(gitDir: string, from: string, to: string, options: { token?: CancellationTokenLike; logger?: Logger } = {}): Promise<MergeLog> {
  if (from === to) return { mode: 'merges', changes: [], commitCount: 0 };
  const git = async (args: string[]) => {
    const result = await runGit(args, { gitDir, ...options });
    if (result.code !== 0) throw new OkdError('failed', `git ${args[0]} ${from.slice(0, 8)}..${to.slice(0, 8)} in ${gitDir}: ${gitMessage(result)}`);
    return result.stdout;
  };
  const range = `${from}..${to}`;
  const count = Number((await git(['rev-list', '--count', range, '--'])).trim());
  let mode: MergeLog['mode'] = 'merges';
  let out = await git(['log', '--merges', '--topo-order', '--first-parent', '-z', FORMAT, range, '--']);
  if (out === '') {
    mode = 'squash';
    out = await git(['log', '--no-merges', '--topo-order', '-z', FORMAT, range, '--']);
  }
  return { mode, changes: out === '' ? [] : out.split('\0').map((entry) => parseEntry(entry, mode === 'squash')), commitCount: count };
}

function parseEntry(entry: string, squash: boolean): ChangeCommit {
  const [ids = '', time = '', subject = '', ...rest] = entry.split('\x1e');
  const [commit = '', ...parents] = ids.trim().split(' ');
  const message = parseCommitMessage(subject, rest.join('\x1e'), squash);
  return {
    commit,
    parents,
    date: new Date(Number(time) * 1000).toISOString().replace('.000Z', 'Z'),
    title: message.title,
    ...(message.pullRequest !== undefined ? { pullRequest: message.pullRequest } : {}),
    refs: message.refs,
  };
}

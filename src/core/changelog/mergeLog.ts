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
 * when that is empty (a repository that squash-merges), `git log --no-merges FROM..TO`. Both come from one
 * `git log --topo-order FROM..TO` here (the first-parent line is followed from TO through first parents), which also
 * counts the commits. Unlike oc, commits that name no pull request are kept (by commit id) rather than dropped: a
 * pushed fix is a change too.
 */
export async function mergeLog(gitDir: string, from: string, to: string, options: { token?: CancellationTokenLike; logger?: Logger } = {}): Promise<MergeLog> {
  if (from === to) return { mode: 'merges', changes: [], commitCount: 0 };
  const result = await runGit(['log', '--topo-order', '-z', FORMAT, `${from}..${to}`, '--'], { gitDir, ...options });
  if (result.code !== 0) throw new OkdError('failed', `git log ${from.slice(0, 8)}..${to.slice(0, 8)} in ${gitDir}: ${gitMessage(result)}`);
  const entries = result.stdout === '' ? [] : result.stdout.split('\0').map(splitEntry);
  const byId = new Map(entries.map((e) => [e.commit, e] as const));
  const merges: RawEntry[] = [];
  for (let entry = byId.get(to); entry; entry = byId.get(entry.parents[0] ?? '')) {
    if (entry.parents.length > 1) merges.push(entry);
  }
  if (merges.length > 0) return { mode: 'merges', changes: merges.map((e) => toChange(e, false)), commitCount: entries.length };
  return { mode: 'squash', changes: entries.filter((e) => e.parents.length <= 1).map((e) => toChange(e, true)), commitCount: entries.length };
}

interface RawEntry {
  commit: string;
  parents: string[];
  time: string;
  subject: string;
  body: string;
}

function splitEntry(entry: string): RawEntry {
  const [ids = '', time = '', subject = '', ...rest] = entry.split('\x1e');
  const [commit = '', ...parents] = ids.trim().split(' ');
  return { commit, parents, time, subject, body: rest.join('\x1e') };
}

function toChange(entry: RawEntry, squash: boolean): ChangeCommit {
  const message = parseCommitMessage(entry.subject, entry.body, squash);
  return {
    commit: entry.commit,
    parents: entry.parents,
    date: new Date(Number(entry.time) * 1000).toISOString().replace('.000Z', 'Z'),
    title: message.title,
    ...(message.pullRequest !== undefined ? { pullRequest: message.pullRequest } : {}),
    refs: message.refs,
  };
}

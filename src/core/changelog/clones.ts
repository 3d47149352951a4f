import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { gitMessage, runGit } from './git';
import { withLock } from './lock';

/** Branches and tags: what a payload's commits are normally reachable from. */
const REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

export interface EnsureCommitsOptions {
  token?: CancellationTokenLike;
  logger?: Logger;
  /** Another URL the commits may come from (the FROM image's source when the repository moved). */
  alternate?: string;
  /** Progress lines: cloning, fetching, waiting for another run. */
  onProgress?: (message: string) => void;
}

export interface EnsuredClone {
  gitDir: string;
  /** What this call did to get the commits: nothing (all were there), a clone, or fetches. */
  action: 'none' | 'clone' | 'fetch';
}

/**
 * Blobless bare clones of source repositories, one per repository under `<cacheDir>/git/<host>/<path>.git`, shared by
 * every changelog: a clone is made once and fetched only when a commit asked for is not in it yet, so a second
 * changelog of the same repositories touches no network.
 */
export class RepositoryClones {
  constructor(readonly root: string) {}

  /** Where the clone of `url` lives. */
  pathFor(url: string): string {
    const { host, repoPath } = parseSourceLocation(url);
    return path.join(this.root, host, ...repoPath.split('/')) + '.git';
  }

  /** Makes sure every commit is in the clone of `url`, cloning or fetching as needed; returns the clone. */
  async ensureCommits(url: string, commits: string[], options: EnsureCommitsOptions = {}): Promise<EnsuredClone> {
    for (const commit of commits) checkCommitId(commit);
    const gitDir = this.pathFor(url);
    const logger = options.logger ?? silentLogger;
    const git = (args: string[], network = false) => runGit(args, { gitDir, token: options.token, logger, network });
    // Reading needs no lock: git writes objects before the refs that name them, so a clone being fetched into is
    // always whole. Only a clone or a fetch takes it.
    if ((await isRepository(gitDir)) && (await missingCommits(git, commits)).length === 0) return { gitDir, action: 'none' };
    return withLock(
      `${gitDir}.lock`,
      async () => {
        let action: EnsuredClone['action'] = 'none';
        if (!(await isRepository(gitDir))) {
          options.onProgress?.(`cloning ${url}...`);
          await clone(url, gitDir, options);
          action = 'clone';
        }
        let missing = await missingCommits(git, commits);
        if (missing.length === 0) return { gitDir, action };
        if (action === 'none') {
          options.onProgress?.(`fetching ${url}...`);
          const fetched = await git(['fetch', '--quiet', '--filter=blob:none', 'origin', ...REFSPECS], true);
          if (fetched.code !== 0) throw unreachable(url, gitMessage(fetched), 'fetch');
          action = 'fetch';
          missing = await missingCommits(git, commits);
        }
        if (missing.length > 0 && options.alternate && normalizeUrl(options.alternate) !== normalizeUrl(url)) {
          parseSourceLocation(options.alternate); // refuses schemes git must not be handed
          const ns = `refs/okd-dev/alternates/${createHash('sha256').update(options.alternate).digest('hex').slice(0, 12)}`;
          options.onProgress?.(`fetching ${options.alternate}...`);
          const fetched = await git(['fetch', '--quiet', '--filter=blob:none', '--', options.alternate, `+refs/heads/*:${ns}/heads/*`], true);
          if (fetched.code !== 0) logger.warn(`fetching ${options.alternate}: ${gitMessage(fetched)}`);
          action = 'fetch';
          missing = await missingCommits(git, commits);
        }
        // A commit on no branch (a pull request's head, a fork's): servers that allow it hand it over by id.
        for (const commit of missing) {
          const fetched = await git(['fetch', '--quiet', '--filter=blob:none', 'origin', `+${commit}:refs/okd-dev/commits/${commit}`], true);
          if (fetched.code !== 0) logger.debug(`fetching ${commit} by id from ${url}: ${gitMessage(fetched)}`);
          action = 'fetch';
        }
        missing = await missingCommits(git, missing);
        if (missing.length > 0) {
          throw new OkdError(
            'not-found',
            `commit ${missing.join(', ')} is not in ${url}, even after fetching every branch and tag`,
            'it was probably force-pushed away or garbage-collected upstream, or the image was built from a fork; check the image\'s io.openshift.build.source-location',
          );
        }
        return { gitDir, action };
      },
      { token: options.token, onWait: () => options.onProgress?.(`waiting for another run using ${url}...`) },
    );
  }
}

async function clone(url: string, gitDir: string, options: EnsureCommitsOptions): Promise<void> {
  await fs.mkdir(path.dirname(gitDir), { recursive: true, mode: 0o700 });
  // Cloned next to its place and renamed in: an interrupted clone never looks like a clone.
  const partial = `${gitDir}.partial-${randomBytes(4).toString('hex')}`;
  try {
    const cloned = await runGit(['clone', '--quiet', '--bare', '--filter=blob:none', '--', url, partial], { token: options.token, logger: options.logger, network: true });
    if (cloned.code !== 0) throw unreachable(url, gitMessage(cloned), 'clone');
    // A bare clone has no fetch refspec; later fetches name theirs, this is for a user running `git fetch` by hand.
    for (const spec of REFSPECS) await runGit(['config', '--add', 'remote.origin.fetch', spec], { gitDir: partial });
    await fs.rename(partial, gitDir);
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
}

function unreachable(url: string, message: string, verb: 'clone' | 'fetch'): OkdError {
  const notFound = /not found|does not exist|no such repository|not exported|not appear to be a git repository/i.test(message);
  const auth = /authentication|could not read username|terminal prompts disabled|permission denied/i.test(message);
  const hint = notFound
    ? 'check the image\'s io.openshift.build.source-location: the repository may have moved or been deleted'
    : auth
      ? 'the repository wants credentials: configure a git credential helper for it'
      : 'check the network (and any url.<base>.insteadOf in your git configuration)';
  return new OkdError(notFound ? 'not-found' : auth ? 'unauthorized' : 'unreachable', `could not ${verb} ${url}: ${message}`, hint);
}

async function isRepository(gitDir: string): Promise<boolean> {
  try {
    await fs.access(path.join(gitDir, 'HEAD'));
    return true;
  } catch {
    return false;
  }
}

/** The commits not in the clone. `--missing=allow-any` keeps git from fetching a missing one lazily. */
async function missingCommits(git: (args: string[]) => Promise<{ code: number }>, commits: string[]): Promise<string[]> {
  const unique = [...new Set(commits)];
  // All at once first: the usual answer, from a warm clone, is "all there".
  if ((await git(['rev-list', '--no-walk', '--missing=allow-any', ...unique.map((c) => `${c}^{commit}`), '--'])).code === 0) return [];
  const missing: string[] = [];
  for (const commit of unique) {
    const result = await git(['rev-list', '--no-walk', '--missing=allow-any', `${commit}^{commit}`, '--']);
    if (result.code !== 0) missing.push(commit);
  }
  return missing;
}

/** A commit id as images carry it: 40 (sha1) or 64 (sha256) hex digits. Anything else never reaches git's argv. */
export function checkCommitId(commit: string): void {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
    throw new OkdError('invalid-input', `"${commit}" is not a full git commit id`, 'the image\'s io.openshift.build.commit.id label should hold one');
  }
}

/**
 * Host and path of a source location: `https://github.com/openshift/oc(.git)`, `git@github.com:openshift/oc.git`,
 * `ssh://`, `git://`, `http://`. Other schemes (file, ext) are refused: a payload's labels must not make git run
 * local programs or read local paths.
 */
export function parseSourceLocation(url: string): { host: string; repoPath: string } {
  const scp = /^[A-Za-z0-9_.-]+@([^:/]+):(.+)$/.exec(url);
  let host: string;
  let repoPath: string;
  if (scp) {
    host = scp[1] as string;
    repoPath = scp[2] as string;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OkdError('invalid-input', `source location "${url}" is not a URL`);
    }
    if (!['https:', 'http:', 'git:', 'ssh:'].includes(parsed.protocol)) {
      throw new OkdError('unsupported', `source location "${url}" uses ${parsed.protocol}, not https, http, git or ssh`);
    }
    host = parsed.host;
    repoPath = decodeURIComponent(parsed.pathname);
  }
  repoPath = repoPath.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  const segments = repoPath.split('/');
  const safe = (s: string) => /^[A-Za-z0-9_.:-]+$/.test(s) && s !== '.' && s !== '..';
  if (!safe(host) || segments.length === 0 || !segments.every(safe)) {
    throw new OkdError('invalid-input', `source location "${url}" has no usable host and repository path`);
  }
  return { host: host.toLowerCase().replace(/:/g, '_'), repoPath: segments.join('/') };
}

/** For telling two spellings of one repository apart from two repositories. */
export function normalizeUrl(url: string): string {
  try {
    const { host, repoPath } = parseSourceLocation(url);
    return `${host}/${repoPath}`.toLowerCase();
  } catch {
    return url;
  }
}

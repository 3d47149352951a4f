import { spawn } from 'node:child_process';
import { type CancellationTokenLike, CancelledError } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, redact, silentLogger } from '../log';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** The repository (`git -C`); omitted for `clone`. */
  gitDir?: string;
  token?: CancellationTokenLike;
  logger?: Logger;
  /**
   * Network commands (clone, fetch) may fetch; every other command runs with lazy fetching of missing objects off
   * (GIT_NO_LAZY_FETCH, git 2.44+), so reading a blobless clone never turns into one object request at a time.
   */
  network?: boolean;
}

/**
 * Runs `git ARGS` (argv, never a shell) in its own process group and collects its output; cancelling kills the
 * group. The user's git configuration applies (credentials, `url.<base>.insteadOf`), but git never prompts: a
 * repository that wants a password fails with git's own message instead of waiting for a terminal.
 */
export function runGit(args: string[], options: GitOptions = {}): Promise<GitResult> {
  const logger = options.logger ?? silentLogger;
  const argv = options.gitDir ? ['-C', options.gitDir, ...args] : args;
  logger.debug(`git ${redact(argv.join(' '))}`);
  if (options.token?.isCancellationRequested) return Promise.reject(new CancelledError(`git ${args[0] ?? ''}`));
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  if (!options.network) env.GIT_NO_LAZY_FETCH = '1';
  return new Promise((resolve, reject) => {
    const child = spawn('git', argv, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    let stderr = '';
    let cancelled = false;
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8000);
    });
    const sub = options.token?.onCancellationRequested(() => {
      cancelled = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      sub?.dispose();
      if (err.code === 'ENOENT') reject(new OkdError('not-found', 'git is not installed (not found on PATH)', 'install git to read changelogs'));
      else reject(new OkdError('failed', `git could not start: ${err.message}`));
    });
    child.on('close', (code) => {
      sub?.dispose();
      if (cancelled) return reject(new CancelledError(`git ${args[0] ?? ''}`));
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** git's last meaningful stderr line, without `fatal: `, for error messages. */
export function gitMessage(result: GitResult): string {
  const lines = result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:') && !/^warning: filtering not recognized/.test(l));
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l));
  return redact((fatal[fatal.length - 1] ?? lines[lines.length - 1] ?? `exit ${result.code}`).replace(/^(fatal|error):\s*/, ''));
}

import { spawn } from 'node:child_process';
import type { CancellationTokenLike } from '../cancel';
import { CancelledError } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { describeCommand, type ExternalCommand, redactSecrets } from './command';

export interface RunOptions {
  /** Each line of stdout and stderr, secrets redacted, as it comes. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  token?: CancellationTokenLike;
  logger?: Logger;
  /** The environment the command's own `env` is added to (default process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Keep stdout (unredacted) for the caller to parse; default true. */
  captureStdout?: boolean;
  /** What this step is, for error messages: "podman build", "go build". */
  what?: string;
}

export interface RunResult {
  stdout: string;
  /** The last stderr lines (redacted), for error messages. */
  stderrTail: string[];
  ms: number;
}

const TAIL_LINES = 20;

/**
 * Runs one ExternalCommand in its own process group, streaming its output line by line. Cancelling kills the whole
 * group (a build's children too). A non-zero exit is an OkdError carrying the last lines of stderr.
 */
export function runCommand(cmd: ExternalCommand, options: RunOptions = {}): Promise<RunResult> {
  const logger = options.logger ?? silentLogger;
  const what = options.what ?? cmd.command;
  const shown = describeCommand(cmd);
  logger.debug(`running ${shown}`);
  if (options.token?.isCancellationRequested) return Promise.reject(new CancelledError(what));
  const started = performance.now();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, {
      cwd: cmd.cwd,
      env: { ...(options.baseEnv ?? process.env), ...(cmd.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    const tail: string[] = [];
    let cancelled = false;
    const partial = { stdout: '', stderr: '' };
    const emit = (stream: 'stdout' | 'stderr', line: string) => {
      const clean = redactSecrets(line, cmd.secrets);
      if (stream === 'stderr') {
        tail.push(clean);
        if (tail.length > TAIL_LINES) tail.shift();
      }
      logger.trace(`${cmd.command}: ${clean}`);
      options.onLine?.(clean, stream);
    };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (stream === 'stdout' && options.captureStdout !== false) stdout += text;
      const lines = (partial[stream] + text).split(/\r?\n|\r/);
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) emit(stream, line);
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    const kill = () => {
      cancelled = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      // A build that ignores SIGTERM gets SIGKILL a little later.
      setTimeout(() => {
        try {
          if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3000).unref();
    };
    const sub = options.token?.onCancellationRequested(kill);
    child.on('error', (err: NodeJS.ErrnoException) => {
      sub?.dispose();
      if (err.code === 'ENOENT') reject(new OkdError('not-found', `${cmd.command} is not installed (not found on PATH)`, `install ${cmd.command} or choose another builder`));
      else reject(new OkdError('failed', `${what} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      sub?.dispose();
      for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) emit(stream, partial[stream]);
      const ms = performance.now() - started;
      if (cancelled) return reject(new CancelledError(what));
      if (code === 0) return resolve({ stdout, stderrTail: tail, ms });
      const last = tail.filter((l) => l.trim()).slice(-5).join(' | ');
      reject(new OkdError('failed', `${what} failed (${signal ? `killed by ${signal}` : `exit ${code}`}): ${shown}${last ? `: ${last}` : ''}`));
    });
  });
}

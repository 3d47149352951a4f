import { spawn } from 'node:child_process';
import { OkdError } from '../errors';
import { redact } from '../log';

/** What a helper answered: `username` `<token>` means `secret` is an identity token. */
export interface HelperCredentials {
  username: string;
  secret: string;
}

export interface CredentialHelperCall {
  /** The helper's name: the program is `docker-credential-<name>`. */
  helper: string;
  /** What the helper is asked for (stdin): a registry host, or Docker Hub's `https://index.docker.io/v1/`. */
  serverUrl: string;
  /** For messages: the registry, and where the helper was configured (`credHelpers in FILE`). */
  registry: string;
  configuredIn: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const outputLimit = 64 * 1024;
// The message docker-credential-helpers' `credentials.ErrCredentialsNotFound` prints.
const notFound = /credentials not found/i;

/**
 * Runs `docker-credential-<name> get` (argv, no shell) with the server URL on stdin, as docker and containers/image
 * do, and reads `{"Username": ..., "Secret": ...}` from stdout. Undefined when the helper has nothing for it; an
 * error naming the helper and the registry when it is missing, fails, hangs or answers nonsense.
 */
export function credentialHelperGet(call: CredentialHelperCall): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${call.helper}`;
  const failed = (why: string, hint?: string) =>
    new OkdError('failed', `credential helper ${program} (${call.configuredIn}) failed for registry ${call.registry}: ${why}`, hint ?? `check \`${program} get\`, or log in to ${call.registry} again`);
  // A name is a program on PATH, never a path: `credsStore: "../x"` must not run a file relative to the cwd.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(call.helper)) {
    return Promise.reject(failed(`"${call.helper}" is not a helper name`, `fix the entry (${call.configuredIn})`));
  }
  const timeoutMs = call.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env: call.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (err: OkdError | undefined, value?: HelperCredentials) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(failed(`it did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(0, outputLimit)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(0, outputLimit)));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        finish(
          new OkdError(
            'failed',
            `credential helper ${program} (${call.configuredIn}) for registry ${call.registry} is not installed: there is no ${program} on PATH`,
            `install ${program}, or remove it from the auth file`,
          ),
        );
      } else finish(failed(err.message));
    });
    // A helper that exits without reading stdin closes the pipe under us; its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(call.serverUrl);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const said = (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
        if (notFound.test(said)) return finish(undefined);
        return finish(failed(`${signal ? `killed by ${signal}` : `exit code ${code}`}${said ? `: ${quotable(said)}` : ''}`));
      }
      let doc: unknown;
      try {
        doc = JSON.parse(stdout);
      } catch {
        return finish(failed('its answer is not JSON'));
      }
      const { Username, Secret } = (doc ?? {}) as { Username?: unknown; Secret?: unknown };
      if (typeof Username !== 'string' || typeof Secret !== 'string') return finish(failed('its answer has no Username and Secret'));
      finish(undefined, Username || Secret ? { username: Username, secret: Secret } : undefined);
    });
  });
}

/** A helper's error line, safe to show: short, and never something that parses as its JSON answer. */
function quotable(line: string): string {
  try {
    JSON.parse(line);
    return '(an answer that is not an error message)';
  } catch {
    const text = redact(line);
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  }
}

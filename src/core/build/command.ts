import { redact } from '../log';

/**
 * One call of an external program as data: built by pure functions, run by `runCommand`, printed by
 * `describeCommand`. Never a shell string.
 */
export interface ExternalCommand {
  command: string;
  args: string[];
  /** Added to (and overriding) the runner's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Values that must never be logged (passwords, tokens); replaced by <redacted> in every line shown. */
  secrets?: string[];
}

/** Removes the command's secrets and anything that looks like a credential. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('<redacted>');
  return redact(out)
    .replace(/(--creds[= ])([^:\s]+):\S+/g, '$1$2:<redacted>')
    .replace(/(--password[= ])\S+/g, '$1<redacted>');
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Environment values shown in logs; any other variable is shown by name only (it may hold a token). */
const SHOWN_ENV = new Set(['CGO_ENABLED', 'GOOS', 'GOARCH', 'GOARM', 'GOAMD64', 'GOFLAGS', 'BUILDAH_ISOLATION']);

/**
 * The command as a user could type it, secrets redacted (for logs and error messages only; never executed). Each
 * argument is redacted before it is quoted, so quoting cannot split a secret past the redaction.
 */
export function describeCommand(cmd: ExternalCommand): string {
  const env = Object.entries(cmd.env ?? {}).map(([k, v]) => (SHOWN_ENV.has(k) ? `${k}=${quote(redactSecrets(v, cmd.secrets))}` : `${k}=…`));
  return [...env, cmd.command, ...cmd.args.map((arg) => quote(redactSecrets(arg, cmd.secrets)))].join(' ');
}

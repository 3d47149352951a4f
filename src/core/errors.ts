/**
 * Errors a user can act on. `kind` drives the CLI exit code and how the editor shows them; `message` is one line
 * that names what failed and on which object, `hint` says what to do next.
 */
export type OkdErrorKind =
  | 'invalid-input'
  | 'not-found'
  | 'unauthorized'
  | 'forbidden'
  | 'not-a-payload'
  | 'integrity'
  | 'unreachable'
  | 'conflict'
  | 'unsupported'
  | 'failed';

export class OkdError extends Error {
  constructor(
    readonly kind: OkdErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OkdError';
  }

  /** The one line a user reads: the message, then what to do. */
  describe(): string {
    if (!this.hint) return this.message;
    return `${this.message.replace(/[.\s]+$/, '')}. ${this.hint.charAt(0).toUpperCase()}${this.hint.slice(1)}`;
  }
}

export function isOkdError(err: unknown): err is OkdError {
  return err instanceof OkdError;
}

export function describeError(err: unknown): string {
  if (err instanceof OkdError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

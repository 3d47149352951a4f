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
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
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

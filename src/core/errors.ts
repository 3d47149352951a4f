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

/** Marks an OkdError (subclasses too) across bundles: dist/cli.js and dist/cli-cluster.js each hold a copy of the class. */
const OKD_ERROR = Symbol.for('okd-dev.OkdError');

export class OkdError extends Error {
  readonly [OKD_ERROR] = true;

  /**
   * `err instanceof OkdError` holds for an OkdError from any bundle: the editor hands its registry client (from
   * dist/extension.js) to code in dist/cluster.js, whose copy of the class would otherwise not know that client's
   * 404s. Subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
    if (this !== OkdError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [OKD_ERROR]?: unknown })[OKD_ERROR] === true;
  }

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

/** An OkdError or a subclass (PullAccessRefused, DevLoopError, ...), also when another bundle threw it. */
export function isOkdError(err: unknown): err is OkdError {
  return err instanceof OkdError;
}

export function describeError(err: unknown): string {
  if (isOkdError(err)) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

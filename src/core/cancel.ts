/**
 * The cancellation interface core code takes. `vscode.CancellationToken` satisfies it structurally, and so does
 * `fromAbortSignal(signal)` for the CLI.
 */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export const neverCancelled: CancellationTokenLike = {
  isCancellationRequested: false,
  onCancellationRequested: () => ({ dispose: () => undefined }),
};

export class CancelledError extends Error {
  constructor(what = 'operation') {
    super(`${what} was cancelled`);
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(token: CancellationTokenLike | undefined, what?: string): void {
  if (token?.isCancellationRequested) throw new CancelledError(what);
}

/** An AbortSignal that fires when the token is cancelled; dispose() detaches the listener. */
export function toAbortSignal(token: CancellationTokenLike | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (!token) return { signal: controller.signal, dispose: () => undefined };
  if (token.isCancellationRequested) controller.abort();
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}

export function fromAbortSignal(signal: AbortSignal): CancellationTokenLike {
  return {
    get isCancellationRequested() {
      return signal.aborted;
    },
    onCancellationRequested(listener) {
      signal.addEventListener('abort', listener, { once: true });
      return { dispose: () => signal.removeEventListener('abort', listener) };
    },
  };
}

/** Waits `ms`, or less when the token is cancelled first (the caller then checks the token). */
export function pause(ms: number, token?: CancellationTokenLike): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub?.dispose();
      resolve();
    }, ms);
    const sub = token?.onCancellationRequested(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A token of our own that is also cancelled when `parent` is: cancel() stops only what was given this token. */
export function linkedToken(parent: CancellationTokenLike | undefined): { token: CancellationTokenLike; cancel(): void; dispose(): void } {
  let cancelled = false;
  const listeners = new Set<() => void>();
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    for (const l of [...listeners]) l();
  };
  const sub = parent?.onCancellationRequested(cancel);
  if (parent?.isCancellationRequested) cancel();
  return {
    token: {
      get isCancellationRequested() {
        return cancelled;
      },
      onCancellationRequested(listener) {
        listeners.add(listener);
        return { dispose: () => listeners.delete(listener) };
      },
    },
    cancel,
    dispose: () => sub?.dispose(),
  };
}

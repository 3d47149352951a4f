import { OkdError } from '../../core/errors';

/**
 * `promise`, or an OkdError after `ms`: a cluster that does not answer must not keep the view spinning. The work
 * itself is not stopped (client-node has no cancel for a connect); its late result is ignored.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: () => OkdError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(what()), ms);
  });
  promise.catch(() => undefined); // a late failure after the timeout is not an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

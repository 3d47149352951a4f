// Waiting for one object to become what a caller wants, by watching it (list+watch by name, as the rollout waits
// do): the API server says when it changed, so nothing polls. The informer reconnects through API server restarts
// and re-lists after 410 Gone.
import { type CancellationTokenLike, CancelledError } from '../cancel';
import type { ClusterClient } from './client';
import type { WatchedObject } from './watch';

export interface WatchUntilOptions<T> {
  /** The collection the object is in: `/apis/apps/v1/namespaces/NS/deployments`, `/apis/GROUP/VERSION/PLURAL`. */
  collection: string;
  name: string;
  /** The object in messages: `Deployment ns/name`. */
  what: string;
  /** True once the object (undefined while it does not exist) is as wanted. */
  done(object: T | undefined): boolean;
  timeoutMs: number;
  /** The error when `timeoutMs` passes first. */
  timeoutError(): Error;
  token?: CancellationTokenLike;
}

/**
 * Resolves with the object (undefined: it is gone) as soon as `done` says so; rejects with `timeoutError()`, with
 * CancelledError on the token, and with the watch's error when it gives up (401, 403).
 */
export function watchUntil<T extends WatchedObject>(client: ClusterClient, options: WatchUntilOptions<T>): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    let settled = false;
    const watch: { handle?: { stop(): void } } = {};
    const finish = (err: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancelSub?.dispose();
      watch.handle?.stop();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(options.timeoutError()), options.timeoutMs);
    const cancelled = () => finish(new CancelledError(`waiting for ${options.what}`));
    const cancelSub = options.token?.onCancellationRequested(cancelled);
    if (options.token?.isCancellationRequested) return cancelled();
    const judge = (object: T | undefined) => {
      try {
        if (options.done(object)) finish(undefined, object);
      } catch (err) {
        finish(err as Error);
      }
    };
    watch.handle = client.inform<T>(
      options.collection,
      { fieldSelector: `metadata.name=${options.name}` },
      {
        onSync: (items) => judge(items[0]),
        onEvent: (type, object) => judge(type === 'DELETED' ? undefined : object),
        onError: (err) => finish(err),
      },
    );
    if (settled) watch.handle.stop();
  });
}

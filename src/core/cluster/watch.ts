import type { CancellationTokenLike } from '../cancel';
import type { Logger } from '../log';
import { type ClusterWhere, clusterError, describeObject, type RequestWhat } from './errors';
import type { Query } from './request';
import { reconnectDecision, type RetryPolicy, retryDelay, waitRetry } from './retry';
import type { WatchEventType, WatchTransport } from './watchStream';

/** The least a watched object has: a name (namespace) and a resourceVersion. */
export interface WatchedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface WatchContext {
  transport: WatchTransport;
  where: ClusterWhere;
  logger: Logger;
  policy: RetryPolicy;
}

export interface WatchHandle {
  stop(): void;
}

export type ObjectEventType = Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;

/** A reconnect the watch is about to make, for a caller that shows it ("API server not answering, reconnecting"). */
export interface WatchRetry {
  why: string;
  attempt: number;
  delayMs: number;
}

export interface InformerHandlers<T> {
  /**
   * The whole collection, after the first LIST and after every re-list (the watch's resourceVersion expired: 410
   * Gone): replace what you hold with it. Without onSync, a sync arrives as events instead: ADDED for new
   * objects, MODIFIED for changed ones, DELETED for the ones gone.
   */
  onSync?(items: T[]): void;
  /** A change seen by the watch (never a BOOKMARK). */
  onEvent?(type: ObjectEventType, object: T): void;
  /** The informer gave up (401, 403, another 4xx that will not heal, a handler that threw); it is stopped. */
  onError(err: Error): void;
  /** The connection failed and is being tried again (backoff); the informer goes on. */
  onRetry?(retry: WatchRetry): void;
  /** After onRetry: the server answers again (a LIST or the watch stream opened). */
  onReconnected?(): void;
}

export interface InformOptions {
  /** Cancelling stops the informer as stop() does, without a callback. */
  token?: CancellationTokenLike;
  /** The watch's timeoutSeconds (default 300-600, random, as client-go): the server ends the stream then. */
  watchTimeoutSeconds?: number;
}

/** A running list+watch; items() is the collection as last seen. */
export interface Informer<T> extends WatchHandle {
  items(): T[];
}

/** `clusterversions.config.openshift.io "version"` from a collection path and its fieldSelector. */
export function watchedWhat(path: string, query: Query, verb: RequestWhat['verb'] = 'watch'): RequestWhat {
  const m = /^\/(?:api\/[^/]+|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/?]+)/.exec(path);
  const name = /(?:^|,)metadata\.name=([^,]+)/.exec(query['fieldSelector'] ?? '')?.[1];
  if (!m) return { verb, resource: path, ...(name ? { name } : {}) };
  const [, group, namespace, plural] = m;
  return { verb, resource: group ? `${plural}.${group}` : (plural as string), ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) };
}

const keyOf = (o: WatchedObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A handler threw: a bug of the caller, not of the connection; the watch ends with it. */
class HandlerFailed extends Error {}

interface Sink<T> {
  sync(items: T[]): void;
  event(type: ObjectEventType, object: T): void;
  fail(err: Error): void;
  retry?(retry: WatchRetry): void;
  reconnected?(): void;
}

/** A stream that closes this soon without an event counts as a failed attempt (backoff), not a healthy end. */
const HEALTHY_STREAM_MS = 1_000;

/**
 * The loop behind every watch: LIST, watch from the list's resourceVersion, resume
 * from the last event's resourceVersion when the stream ends or drops, re-list on 410 Gone, back off on 429/5xx
 * and connection failures, give up on errors that will not heal.
 */
class WatchLoop<T extends WatchedObject> implements WatchHandle {
  private readonly controller = new AbortController();
  private stopped = false;
  private readonly cancelSub: { dispose(): void } | undefined;
  private readonly what: RequestWhat;
  private readonly label: string;

  constructor(
    private readonly ctx: WatchContext,
    private readonly path: string,
    private readonly query: Query,
    private readonly sink: Sink<T>,
    private readonly options: InformOptions,
  ) {
    this.what = watchedWhat(path, query);
    this.label = `watch ${describeObject(this.what)}`;
    this.cancelSub = options.token?.onCancellationRequested(() => this.stop());
    if (options.token?.isCancellationRequested) this.stop();
    else void this.run().catch((err: unknown) => ctx.logger.error(`${this.label}: ${(err as Error)?.message ?? String(err)}`));
  }

  stop(): void {
    this.stopped = true;
    this.cancelSub?.dispose();
    this.controller.abort();
  }

  private deliver(action: () => void): void {
    try {
      action();
    } catch (err) {
      throw new HandlerFailed('handler failed', { cause: err });
    }
  }

  private timeoutSeconds(): number {
    return this.options.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
  }

  private async run(): Promise<void> {
    const { transport, logger, policy } = this.ctx;
    const signal = this.controller.signal;
    let resourceVersion: string | undefined;
    let listed = false;
    let attempt = 0;
    let failing = false;
    let denied = 0;
    // The stream ended or failed: until an answer comes, a denial may be a restarted API server still starting.
    let resuming = false;
    const healed = () => {
      if (failing) {
        logger.info(`${this.label}: reconnected`);
        this.sink.reconnected?.();
      }
      failing = false;
      resuming = false;
      attempt = 0;
      denied = 0;
    };
    while (!this.stopped) {
      let delivered = false;
      let opened = 0;
      let listing = !listed;
      try {
        if (listing) {
          const list = await transport.list<T>(this.path, this.query, signal);
          if (this.stopped) return;
          this.deliver(() => this.sink.sync(list.items ?? []));
          resourceVersion = list.metadata?.resourceVersion;
          listed = true;
          listing = false;
          if (failing) healed();
        }
        const timeoutSeconds = this.timeoutSeconds();
        const query: Query = { ...this.query, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds) };
        opened = Date.now();
        // A stream that opens after failures is healed, even before its first event (nothing may change for minutes).
        const opened200 = () => {
          if (failing && !this.stopped) healed();
        };
        for await (const event of transport.watch<T>(this.path, query, signal, (timeoutSeconds + 60) * 1000, opened200)) {
          if (this.stopped) return;
          delivered = true;
          healed();
          const rv = event.object?.metadata?.resourceVersion;
          if (rv) resourceVersion = rv;
          if (event.type !== 'BOOKMARK') this.deliver(() => this.sink.event(event.type as ObjectEventType, event.object));
        }
        if (this.stopped) return;
        logger.debug(`${this.label}: the server ended the stream; resuming from resourceVersion ${resourceVersion ?? '(none)'}`);
        resuming = true;
        if (!delivered && Date.now() - opened < HEALTHY_STREAM_MS) await waitRetry(policy, retryDelay(++attempt, policy), signal);
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof HandlerFailed) return this.fail(err.cause as Error);
        const decision = reconnectDecision(err, failing || resuming, denied);
        if (decision.denied) denied++;
        if (decision.action === 'relist') {
          logger.info(`${this.label}: ${decision.why}; listing again`);
          listed = false;
          resourceVersion = undefined;
          if (++attempt > 1) await waitRetry(policy, retryDelay(attempt - 1, policy), signal);
          continue;
        }
        if (decision.action !== 'retry') return this.fail(clusterError(err, listing ? { ...this.what, verb: 'list' } : this.what, this.ctx.where));
        const delayMs = retryDelay(++attempt, policy, decision.retryAfterMs);
        // The first failure is news; the attempts after it (an API server down for minutes) are detail.
        (failing ? logger.debug : logger.info).call(logger, `${this.label}: ${decision.why}; reconnecting in ${delayMs} ms (attempt ${attempt})`);
        failing = true;
        try {
          this.sink.retry?.({ why: decision.why, attempt, delayMs });
        } catch (handlerErr) {
          return this.fail(handlerErr as Error);
        }
        await waitRetry(policy, delayMs, signal);
      }
    }
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stop();
    this.sink.fail(err);
  }
}

/**
 * List+watch of a collection (`path` with label and field selectors in `query`), the way an informer does it:
 * the caller gets the current objects, then every change, and the current objects again whenever the watch had
 * to start over. Runs until stop(), the token, or an error that will not heal (onError).
 */
export function inform<T extends WatchedObject>(ctx: WatchContext, path: string, query: Query, handlers: InformerHandlers<T>, options: InformOptions = {}): Informer<T> {
  let cache = new Map<string, T>();
  const event = (type: ObjectEventType, object: T) => {
    if (type === 'DELETED') cache.delete(keyOf(object));
    else cache.set(keyOf(object), object);
    handlers.onEvent?.(type, object);
  };
  const sink: Sink<T> = {
    sync: (items) => {
      const before = cache;
      cache = new Map(items.map((o) => [keyOf(o), o]));
      if (handlers.onSync) return handlers.onSync(items);
      for (const [key, o] of cache) {
        const old = before.get(key);
        if (!old) handlers.onEvent?.('ADDED', o);
        else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) handlers.onEvent?.('MODIFIED', o);
      }
      for (const [key, o] of before) if (!cache.has(key)) handlers.onEvent?.('DELETED', o);
    },
    event,
    fail: (err) => handlers.onError(err),
    ...(handlers.onRetry ? { retry: (r: WatchRetry) => handlers.onRetry?.(r) } : {}),
    ...(handlers.onReconnected ? { reconnected: () => handlers.onReconnected?.() } : {}),
  };
  const loop = new WatchLoop<T>(ctx, path, query, sink, options);
  return { stop: () => loop.stop(), items: () => [...cache.values()] };
}

import type { IncomingMessage } from 'node:http';
import { type ApiRequester, ApiStatusError, type Query } from './request';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: Exclude<WatchEventType, 'ERROR'>;
  object: T;
}

interface RawEvent {
  type?: string;
  object?: { code?: number; message?: string; reason?: string };
}

/** One line of the stream as an event; an ERROR event (410 Expired, 500) is thrown as the Status it carries. */
function parseEvent<T>(line: string): WatchEvent<T> | undefined {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined; // not an event: skipped, as client-node does
  }
  if (raw.type === 'ERROR') {
    const status = raw.object ?? {};
    throw new ApiStatusError(typeof status.code === 'number' ? status.code : 500, status);
  }
  if (raw.type === 'ADDED' || raw.type === 'MODIFIED' || raw.type === 'DELETED' || raw.type === 'BOOKMARK') return { type: raw.type, object: raw.object as T };
  return undefined;
}

/**
 * The events of a watch response: kube-apiserver writes one JSON object `{type, object}` per line, chunked. Ends
 * when the server closes the stream; throws when the connection drops (ECONNRESET, premature close) or on an
 * ERROR event.
 */
export async function* watchEvents<T>(res: IncomingMessage): AsyncGenerator<WatchEvent<T>> {
  res.setEncoding('utf8');
  let pending = '';
  for await (const chunk of res) {
    pending += chunk as string;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      const event = line ? parseEvent<T>(line) : undefined;
      if (event) yield event;
    }
  }
  const last = pending.trim() ? parseEvent<T>(pending.trim()) : undefined;
  if (last) yield last;
}

export interface ObjectList<T> {
  items?: T[];
  metadata?: { resourceVersion?: string };
}

/** How a watch reaches the API server: a LIST, and a watch stream of events. Tests and other servers plug in here. */
export interface WatchTransport {
  list<T>(path: string, query: Query, signal: AbortSignal): Promise<ObjectList<T>>;
  /** `onOpen`: the server answered 200 and the stream is open (before any event). */
  watch<T>(path: string, query: Query, signal: AbortSignal, idleMs: number, onOpen?: () => void): AsyncIterable<WatchEvent<T>>;
}

/** The transport over the kubeconfig's API server: GET for the LIST, `?watch=true` for the stream. */
export function apiWatchTransport(requester: ApiRequester): WatchTransport {
  return {
    list: (path, query, signal) => requester.getJson(path, query, signal),
    watch: async function* <T>(path: string, query: Query, signal: AbortSignal, idleMs: number, onOpen?: () => void) {
      const stream = await requester.openStream(path, { ...query, watch: 'true' }, signal, idleMs);
      onOpen?.();
      yield* watchEvents<T>(stream);
    },
  };
}

// `?watch=true`: a chunked stream of JSON lines `{"type":"ADDED","object":{...}}`, replayed from the store's event
// log after `resourceVersion` and then live; without a resourceVersion (or with "0") the current objects come first
// as ADDED, as the real API server does.
import type { ServerResponse } from 'node:http';
import { status } from './errors';
import type { ResourceDef } from './resources';
import { fieldSelector, labelSelector } from './selectors';
import type { KubeObject, ObjectStore, StoreEvent } from './store';
import { toTable } from './table';

export interface WatchRequest {
  def: ResourceDef;
  namespace?: string;
  query: URLSearchParams;
  /** Send each event's object as a one-row Table (kubectl get -w asks for that). */
  table?: boolean;
}

export function serveWatch(store: ObjectStore, req: WatchRequest, res: ServerResponse, openStreams: Set<ServerResponse>): void {
  const byLabel = labelSelector(req.query.get('labelSelector'));
  const byField = fieldSelector(req.query.get('fieldSelector'));
  const matches = (def: ResourceDef, o: KubeObject) =>
    def === req.def && (!req.def.namespaced || req.namespace === undefined || o.metadata.namespace === req.namespace) && byLabel(o) && byField(o);

  const rvParam = req.query.get('resourceVersion');
  const since = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
  const backlog: Array<{ type: string; object: KubeObject }> = [];
  if (since === undefined) {
    for (const o of store.list(req.def, req.namespace)) if (matches(req.def, o)) backlog.push({ type: 'ADDED', object: o });
  } else {
    const events = Number.isFinite(since) ? store.eventsSince(since) : undefined;
    if (!events) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${rvParam} (${store.currentResourceVersion()})`) })}\n`);
      return;
    }
    for (const e of events) if (matches(e.def, e.object)) backlog.push({ type: e.type, object: e.object });
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  openStreams.add(res);
  const send = (type: string, object: KubeObject) =>
    res.write(`${JSON.stringify({ type, object: req.table ? toTable(object.kind, [object], object.metadata.resourceVersion ?? '') : object })}\n`);
  for (const e of backlog) send(e.type, e.object);
  const unsubscribe = store.subscribe((e: StoreEvent) => {
    if (matches(e.def, e.object)) send(e.type, e.object);
  });
  const timeoutSeconds = Number(req.query.get('timeoutSeconds') ?? 0);
  const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
  const done = () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    openStreams.delete(res);
  };
  res.on('close', done);
  res.on('finish', done);
}

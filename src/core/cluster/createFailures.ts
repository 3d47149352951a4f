// Why a DaemonSet's controller cannot create its pods. A Deployment says so in its ReplicaFailure condition; a
// DaemonSet has no such condition, only the controller's Events on it (reason FailedCreate: a quota, an admission
// webhook, a missing ServiceAccount), as `kubectl describe ds` shows them.

/** The fields of a core/v1 Event that matter here. */
export interface KubeEvent {
  metadata: { name: string; namespace?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  series?: { lastObservedTime?: string } | null;
}

/** The field selector for a workload's FailedCreate Events (the API server indexes involvedObject and reason). */
export function failedCreateSelector(kind: string, name: string, uid: string | undefined): string {
  return [`involvedObject.kind=${kind}`, `involvedObject.name=${name}`, ...(uid ? [`involvedObject.uid=${uid}`] : []), 'reason=FailedCreate'].join(',');
}

/** When the event last happened: series, lastTimestamp, eventTime, firstTimestamp (the newer and older APIs' fields). */
export function lastSeen(event: KubeEvent): number {
  const at = event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  const ms = at ? Date.parse(at) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * The newest FailedCreate message among `events` seen at or after `sinceMs` (older ones are about an earlier
 * rollout), or undefined. Pure.
 */
export function latestCreateFailure(events: Iterable<KubeEvent>, sinceMs: number): string | undefined {
  let best: KubeEvent | undefined;
  for (const e of events) {
    if (e.reason !== 'FailedCreate' || lastSeen(e) < sinceMs) continue;
    if (!best || lastSeen(e) >= lastSeen(best)) best = e;
  }
  return best ? (best.message ?? 'the controller cannot create pods') : undefined;
}

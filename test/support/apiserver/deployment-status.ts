// Deployment status the way the kube-controller-manager computes it, down to the condition reasons
// `kubectl rollout status` reads (NewReplicaSetAvailable, ProgressDeadlineExceeded).
import type { KubeObject } from './store';

export interface RolloutCounts {
  total: number;
  updated: number;
  ready: number;
  updatedReady: number;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function setCondition(list: Condition[], next: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>, at: string): Condition[] {
  const old = list.find((c) => c.type === next.type);
  if (old && old.status === next.status && old.reason === next.reason && old.message === next.message) return list;
  const cond: Condition = {
    ...next,
    lastUpdateTime: at,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : at,
  };
  return [...list.filter((c) => c.type !== next.type), cond];
}

/**
 * Progress deadline start: when the Progressing condition of this rollout (ReplicaSetUpdated for `rsName`) last
 * changed; undefined while the rollout has not been observed yet.
 */
export function progressingSince(deploy: KubeObject, rsName: string): number | undefined {
  const c = (deploy.status?.conditions ?? []).find((x: Condition) => x.type === 'Progressing');
  if (!c || c.reason !== 'ReplicaSetUpdated' || !c.message.includes(`"${rsName}"`)) return undefined;
  return Date.parse(c.lastUpdateTime);
}

export function deploymentStatus(
  deploy: KubeObject,
  rsName: string,
  counts: RolloutCounts,
  deadlineExceeded: boolean,
  progressed: boolean,
): object {
  const desired: number = deploy.spec?.replicas ?? 1;
  const at = now();
  let conditions: Condition[] = [...(deploy.status?.conditions ?? [])];
  // maxUnavailable 25% rounds down: one replica may never be unavailable.
  const maxUnavailable = deploy.spec?.strategy?.type === 'Recreate' ? desired : Math.floor(desired * 0.25);
  const available = counts.ready;
  conditions = setCondition(
    conditions,
    available >= desired - maxUnavailable
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    at,
  );
  const complete = counts.updated === desired && counts.updatedReady === desired && counts.total === desired;
  const current = conditions.find((c) => c.type === 'Progressing');
  if (complete) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, at);
  } else if (deadlineExceeded) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, at);
  } else if (progressed || !current || current.reason === 'NewReplicaSetAvailable' || current.message.indexOf(`"${rsName}"`) < 0) {
    const next = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
    // New progress restarts the deadline clock, as the controller bumps lastUpdateTime.
    conditions = progressed ? [...conditions.filter((c) => c.type !== 'Progressing'), { ...next, lastUpdateTime: at, lastTransitionTime: current?.status === 'True' ? current.lastTransitionTime : at }] : setCondition(conditions, next, at);
  }
  const order = ['Available', 'Progressing'];
  conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const unavailable = Math.max(0, counts.total - available);
  return {
    observedGeneration: deploy.metadata.generation,
    replicas: counts.total,
    updatedReplicas: counts.updated,
    ...(counts.ready ? { readyReplicas: counts.ready, availableReplicas: available } : {}),
    ...(unavailable ? { unavailableReplicas: unavailable } : {}),
    conditions,
  };
}

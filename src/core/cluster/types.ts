/**
 * The cluster objects as plain JSON, only the fields the cluster code reads. Objects come from the API (typed
 * client-node models) and from watch events (raw JSON); both have these shapes.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string | Date;
}

/** `spec.overrides[]` of the ClusterVersion: all five fields are required by the CRD. */
export interface ComponentOverride {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  unmanaged: boolean;
}

export interface ReleaseRef {
  version?: string;
  image?: string;
  url?: string;
  channels?: string[];
}

export interface HistoryEntry {
  state: 'Completed' | 'Partial' | string;
  version?: string;
  image: string;
  startedTime?: string;
  completionTime?: string | null;
  verified?: boolean;
}

export interface ClusterVersion {
  metadata: ObjectMeta;
  spec?: { overrides?: ComponentOverride[] | null; desiredUpdate?: ReleaseRef & { force?: boolean }; channel?: string; clusterID?: string };
  status?: { desired?: ReleaseRef; history?: HistoryEntry[]; conditions?: Condition[]; observedGeneration?: number };
}

export interface ClusterOperator {
  metadata: ObjectMeta;
  status?: { conditions?: Condition[]; versions?: { name: string; version: string }[] };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
}

export interface Deployment {
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Container[]; initContainers?: Container[] } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string; message?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: { containers?: Container[] };
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; message?: string; reason?: string };
}

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

export function conditionOf(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** A JSON pointer segment: `/` and `~` escaped (annotation keys contain `/`). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

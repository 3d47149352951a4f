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
  spec?: { overrides?: ComponentOverride[] | null; desiredUpdate?: ReleaseRef & { force?: boolean }; channel?: string; upstream?: string; clusterID?: string };
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

/** `spec.selector` of a Deployment or DaemonSet (metav1.LabelSelector). */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: (Container & { restartPolicy?: string })[];
  nodeSelector?: Record<string, string>;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

export interface Deployment {
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    progressDeadlineSeconds?: number;
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

export interface DaemonSet {
  metadata: ObjectMeta;
  spec?: {
    selector?: LabelSelector;
    template?: PodTemplate;
    /** The API server defaults `type` to RollingUpdate; `OnDelete` replaces a pod only when it is deleted. */
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete' | string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  };
  status?: {
    observedGeneration?: number;
    currentNumberScheduled?: number;
    numberMisscheduled?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    conditions?: Condition[];
  };
}

/** The workload kinds okd-dev patches, overrides and waits for. */
export type PatchableKind = 'Deployment' | 'DaemonSet';
export const PATCHABLE_KINDS: readonly PatchableKind[] = ['Deployment', 'DaemonSet'];

/** A Deployment or a DaemonSet: both have `spec.selector` and `spec.template`, so a patch is the same on either. */
export type PatchableWorkload = Deployment | DaemonSet;

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: unknown;
  terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number } };
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: PodSpec & { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: Condition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
    message?: string;
    reason?: string;
  };
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

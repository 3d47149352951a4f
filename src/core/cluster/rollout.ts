import { type CancellationTokenLike, CancelledError } from '../cancel';
import { OkdError } from '../errors';
import type { ClusterClient, WatchHandle } from './client';
import { conditionOf, type Deployment, type Pod } from './types';

/** Container waiting reasons that mean the new pods will not start without a change. */
const POD_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export interface RolloutProgress {
  replicas: number;
  updated: number;
  ready: number;
  available: number;
  message: string;
}

export type RolloutState =
  | { state: 'complete'; progress: RolloutProgress }
  | { state: 'progressing'; progress: RolloutProgress }
  | { state: 'failed'; progress: RolloutProgress; reason: string };

export interface RolloutExpectation {
  /** Container name -> the image the Deployment's template must have. */
  images?: Record<string, string>;
  /** 'required' (patch): another image is a failure; 'wait' (restore): keep waiting until it is there. */
  mode?: 'required' | 'wait';
}

function templateImages(deployment: Deployment): Map<string, string> {
  return new Map((deployment.spec?.template?.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']));
}

/** Pods of the Deployment's current template: every container runs the template's image. */
function isNewPod(pod: Pod, images: Map<string, string>): boolean {
  const containers = pod.spec?.containers ?? [];
  return containers.length > 0 && containers.every((c) => images.get(c.name) === c.image);
}

/** Why a pod is not running: the first failing container's reason and message, or a not-ready container. */
export function podProblem(pod: Pod): { reason: string; message: string; fatal: boolean } | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && POD_FAILURES.has(waiting.reason)) {
      const last = status.lastState?.terminated;
      const detail = waiting.message ?? (last ? `last exit ${last.exitCode ?? '?'}${last.reason ? ` (${last.reason})` : ''}` : '');
      return { reason: waiting.reason, message: `pod ${pod.metadata.name} container ${status.name}: ${waiting.reason}${detail ? `: ${detail}` : ''}`, fatal: true };
    }
    if (status.state?.running && status.ready === false) {
      return { reason: 'NotReady', message: `pod ${pod.metadata.name} container ${status.name} is running but not ready (its readiness probe fails)`, fatal: false };
    }
  }
  return undefined;
}

/**
 * Where a rollout stands, as `kubectl rollout status` judges it, plus the pods' own failure reasons: complete when
 * the controller has seen the latest spec and every replica is updated and available, with Progressing
 * NewReplicaSetAvailable; failed on ProgressDeadlineExceeded or a new pod that cannot start.
 */
export function rolloutState(deployment: Deployment, pods: Pod[], expect: RolloutExpectation = {}): RolloutState {
  const want = deployment.spec?.replicas ?? 1;
  const s = deployment.status ?? {};
  const progress: RolloutProgress = { replicas: want, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, message: '' };
  const where = `Deployment ${deployment.metadata.namespace}/${deployment.metadata.name}`;
  const images = templateImages(deployment);
  for (const [container, image] of Object.entries(expect.images ?? {})) {
    const actual = images.get(container);
    if (actual === image) continue;
    if (expect.mode === 'wait') return { state: 'progressing', progress: { ...progress, message: `waiting for container ${container} to run ${image} (now ${actual ?? 'absent'})` } };
    return { state: 'failed', progress, reason: `${where}: container ${container} was changed to ${actual ?? 'nothing'} by someone else (the cluster-version operator?)` };
  }
  // A status the controller wrote for an older spec says nothing about this rollout (not even a deadline).
  const observed = (s.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  if (!observed) return { state: 'progressing', progress: { ...progress, message: 'waiting for the deployment controller to see the change' } };
  const newPods = pods.filter((p) => isNewPod(p, images));
  const problems = newPods.map(podProblem).filter((p): p is NonNullable<typeof p> => p !== undefined);
  const fatal = problems.find((p) => p.fatal);
  if (fatal) return { state: 'failed', progress: { ...progress, message: fatal.message }, reason: `rollout of ${where} failed: ${fatal.message}` };
  const progressing = conditionOf(s.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const why = problems[0]?.message ?? progressing.message ?? 'no progress';
    return { state: 'failed', progress: { ...progress, message: why }, reason: `rollout of ${where} failed: ProgressDeadlineExceeded: ${why}` };
  }
  const complete = progress.updated === want && progress.available === want && (s.replicas ?? 0) === want && progressing?.reason === 'NewReplicaSetAvailable';
  if (complete) return { state: 'complete', progress: { ...progress, message: `${want}/${want} replicas updated and available` } };
  let message: string;
  if (progress.updated < want) message = `${progress.updated} of ${want} updated replicas`;
  else if ((s.replicas ?? 0) > want) message = `${(s.replicas ?? 0) - want} old replicas pending termination`;
  else if (progress.available < want) message = problems[0]?.message ?? `${progress.available} of ${want} updated replicas available`;
  else message = 'waiting for the rollout to be marked complete';
  return { state: 'progressing', progress: { ...progress, message } };
}

export interface WaitForRolloutOptions {
  namespace: string;
  name: string;
  expect?: RolloutExpectation;
  timeoutMs?: number;
  token?: CancellationTokenLike;
  onProgress?: (progress: RolloutProgress) => void;
  /** Keep waiting through pod failures that may heal (restore waits for the CVO; patch fails fast). */
  failFast?: boolean;
}

function selectorOf(deployment: Deployment): string {
  return Object.entries(deployment.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Waits for a Deployment's rollout by watching it and its pods (no polling). Resolves with the final state when
 * complete; throws an OkdError with the pods' reason when it fails, on timeout, and CancelledError on cancel.
 */
export async function waitForRollout(client: ClusterClient, options: WaitForRolloutOptions): Promise<RolloutState> {
  const { namespace, name } = options;
  const where = `Deployment ${namespace}/${name}`;
  let deployment = await client.retryRead(() => client.getDeployment(namespace, name), { what: `get ${where}`, ...(options.token ? { token: options.token } : {}) });
  const selector = selectorOf(deployment);
  const pods = new Map<string, Pod>();

  return new Promise<RolloutState>((resolve, reject) => {
    const watches: WatchHandle[] = [];
    let settled = false;
    let lastMessage = '';
    const finish = (err: Error | undefined, state?: RolloutState) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancelSub?.dispose();
      for (const w of watches) w.stop();
      if (err) reject(err);
      else resolve(state as RolloutState);
    };
    const evaluate = () => {
      if (settled) return;
      const state = rolloutState(deployment, [...pods.values()], options.expect);
      if (state.progress.message !== lastMessage) {
        lastMessage = state.progress.message;
        options.onProgress?.(state.progress);
      }
      if (state.state === 'complete') finish(undefined, state);
      else if (state.state === 'failed' && (options.failFast !== false || !state.reason.includes('pod '))) finish(new OkdError('failed', state.reason));
    };
    const timeoutMs = options.timeoutMs ?? 600_000;
    const timer = setTimeout(() => {
      finish(new OkdError('failed', `rollout of ${where} did not finish within ${Math.round(timeoutMs / 1000)} s${lastMessage ? `: ${lastMessage}` : ''}`, 'check the pods with `oc get pods -n ' + namespace + '`'));
    }, timeoutMs);
    const cancelSub = options.token?.onCancellationRequested(() => finish(new CancelledError(`waiting for the rollout of ${where}`)));
    if (options.token?.isCancellationRequested) return finish(new CancelledError(`waiting for the rollout of ${where}`));
    const onError = (err: Error) => finish(err);
    // Both collections are listed first (the watches start from the lists' resourceVersions and re-list on 410
    // Gone); the rollout is judged once both are known.
    let listedDeployment = false;
    let listedPods = false;
    const judge = () => {
      if (listedDeployment && listedPods) evaluate();
    };
    const gone = () => finish(new OkdError('not-found', `${where} was deleted during its rollout`));
    watches.push(
      client.inform<Deployment>(
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        { fieldSelector: `metadata.name=${name}` },
        {
          onSync: (items) => {
            if (!items[0]) return gone();
            deployment = items[0];
            listedDeployment = true;
            judge();
          },
          onEvent: (type, object) => {
            if (type === 'DELETED') return gone();
            deployment = object;
            judge();
          },
          onError,
        },
      ),
      client.inform<Pod>(
        `/api/v1/namespaces/${namespace}/pods`,
        { labelSelector: selector },
        {
          onSync: (items) => {
            pods.clear();
            for (const pod of items) pods.set(pod.metadata.name, pod);
            listedPods = true;
            judge();
          },
          onEvent: (type, pod) => {
            if (type === 'DELETED') pods.delete(pod.metadata.name);
            else pods.set(pod.metadata.name, pod);
            judge();
          },
          onError,
        },
      ),
    );
  });
}

import { type CancellationTokenLike, CancelledError } from '../cancel';
import { OkdError } from '../errors';
import type { ClusterClient, WatchHandle } from './client';
import { failedCreateSelector, type KubeEvent, latestCreateFailure } from './createFailures';
import { type PodProblem, podProblem } from './pods';
import { labelSelectorString } from './selector';
import { conditionOf, type DaemonSet, type Deployment, type PatchableKind, type PatchableWorkload, type Pod } from './types';
import { describeWorkload, getWorkload, workloadCollectionPath } from './workloads';

export { type PodProblem, podProblem } from './pods';

export interface RolloutProgress {
  /** Replicas wanted (a DaemonSet: desiredNumberScheduled), updated, ready and available. */
  replicas: number;
  updated: number;
  ready: number;
  available: number;
  message: string;
}

/**
 * Why a rollout failed: its `pods` cannot start, its `replicas` cannot be created (quota, admission), the
 * `deadline` passed, the `image` was changed by someone else, or its update `strategy` has no rollout to watch.
 */
export type RolloutFailure = 'pods' | 'replicas' | 'deadline' | 'image' | 'strategy';

export type RolloutState =
  | { state: 'complete'; progress: RolloutProgress }
  | { state: 'progressing'; progress: RolloutProgress }
  | { state: 'failed'; progress: RolloutProgress; reason: string; cause: RolloutFailure };

export interface RolloutExpectation {
  /** Container name -> the image the workload's template must have. */
  images?: Record<string, string>;
  /** 'required' (patch): another image is a failure; 'wait' (restore): keep waiting until it is there. */
  mode?: 'required' | 'wait';
}

function templateImages(workload: PatchableWorkload): Map<string, string> {
  return new Map((workload.spec?.template?.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']));
}

/** Pods of the workload's current template: every container runs the template's image. */
function isNewPod(pod: Pod, images: Map<string, string>): boolean {
  const containers = pod.spec?.containers ?? [];
  return containers.length > 0 && containers.every((c) => images.get(c.name) === c.image);
}

/** The expected images: absent ones are a failure ('required') or something to wait for ('wait'). */
function checkExpectation(where: string, workload: PatchableWorkload, progress: RolloutProgress, expect: RolloutExpectation): RolloutState | undefined {
  const images = templateImages(workload);
  for (const [container, image] of Object.entries(expect.images ?? {})) {
    const actual = images.get(container);
    if (actual === image) continue;
    if (expect.mode === 'wait') return { state: 'progressing', progress: { ...progress, message: `waiting for container ${container} to run ${image} (now ${actual ?? 'absent'})` } };
    return { state: 'failed', progress, cause: 'image', reason: `${where}: container ${container} was changed to ${actual ?? 'nothing'} by someone else (the cluster-version operator?)` };
  }
  return undefined;
}

function problemsOf(workload: PatchableWorkload, pods: Pod[]): PodProblem[] {
  const images = templateImages(workload);
  return pods
    .filter((p) => isNewPod(p, images))
    .map(podProblem)
    .filter((p): p is PodProblem => p !== undefined);
}

const failed = (where: string, progress: RolloutProgress, cause: RolloutFailure, why: string): RolloutState => ({
  state: 'failed',
  progress: { ...progress, message: why },
  cause,
  reason: `rollout of ${where} failed: ${why}`,
});

/**
 * Where a Deployment's rollout stands, as `kubectl rollout status` judges it, plus the reasons it names in its
 * warnings and more: complete when the controller has seen the latest spec and every replica is updated and
 * available, with Progressing NewReplicaSetAvailable; failed when a new pod cannot start (image pull, crash loop,
 * init container), when the ReplicaSet cannot create pods (ReplicaFailure: quota, admission), or on
 * ProgressDeadlineExceeded. An Unschedulable pod is reported (with the scheduler's message) but may heal.
 */
export function rolloutState(deployment: Deployment, pods: Pod[], expect: RolloutExpectation = {}): RolloutState {
  const want = deployment.spec?.replicas ?? 1;
  const s = deployment.status ?? {};
  const progress: RolloutProgress = { replicas: want, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, message: '' };
  const where = describeWorkload('Deployment', deployment.metadata.namespace, deployment.metadata.name);
  const expected = checkExpectation(where, deployment, progress, expect);
  if (expected) return expected;
  // A status the controller wrote for an older spec says nothing about this rollout (not even a deadline).
  const observed = (s.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  if (!observed) return { state: 'progressing', progress: { ...progress, message: 'waiting for the deployment controller to see the change' } };
  const problems = problemsOf(deployment, pods);
  const fatal = problems.find((p) => p.fatal);
  if (fatal) return failed(where, progress, 'pods', fatal.message);
  const replicaFailure = conditionOf(s.conditions, 'ReplicaFailure');
  const creating = replicaFailure?.status === 'True' ? `ReplicaFailure (${replicaFailure.reason ?? 'FailedCreate'}): ${replicaFailure.message ?? 'the ReplicaSet cannot create pods'}` : undefined;
  if (creating) return failed(where, progress, 'replicas', creating);
  const progressing = conditionOf(s.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const why = problems[0]?.message ?? progressing.message ?? 'no progress';
    return failed(where, progress, 'deadline', `ProgressDeadlineExceeded: ${why}`);
  }
  const complete = progress.updated === want && progress.available === want && (s.replicas ?? 0) === want && progressing?.reason === 'NewReplicaSetAvailable';
  if (complete) return { state: 'complete', progress: { ...progress, message: `${want}/${want} replicas updated and available` } };
  const problem = problems[0]?.message;
  const also = (text: string) => (problem ? `${text}; ${problem}` : text);
  let message: string;
  if (progress.updated < want) message = also(`${progress.updated} of ${want} updated replicas`);
  else if ((s.replicas ?? 0) > want) message = also(`${(s.replicas ?? 0) - want} old replicas pending termination`);
  else if (progress.available < want) message = problem ?? `${progress.available} of ${want} updated replicas available`;
  else message = 'waiting for the rollout to be marked complete';
  return { state: 'progressing', progress: { ...progress, message } };
}

/** What `kubectl rollout status daemonset/NAME` says: its message, done, and its error (an OnDelete strategy). */
export interface StatusView {
  message: string;
  done: boolean;
  error?: string;
}

/**
 * kubectl's DaemonSetStatusViewer (k8s.io/kubectl pkg/polymorphichelpers/rollout_status.go), message for message:
 * only a RollingUpdate DaemonSet has a rollout to watch; once the controller has observed the latest generation,
 * it is done when every desired pod is updated and available. A missing updateStrategy type is the API server's
 * default, RollingUpdate. Pure.
 */
export function daemonSetStatusView(daemon: DaemonSet): StatusView {
  const strategy = daemon.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') return { message: '', done: true, error: 'rollout status is only available for RollingUpdate strategy type' };
  const s = daemon.status ?? {};
  const name = daemon.metadata.name;
  if ((daemon.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const desired = s.desiredNumberScheduled ?? 0;
    const updated = s.updatedNumberScheduled ?? 0;
    const available = s.numberAvailable ?? 0;
    if (updated < desired) return { message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`, done: false };
    if (available < desired) return { message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`, done: false };
    return { message: `daemon set "${name}" successfully rolled out`, done: true };
  }
  return { message: 'Waiting for daemon set spec update to be observed...', done: false };
}

/**
 * Where a DaemonSet's rollout stands: kubectl's status viewer (daemonSetStatusView), failed as a Deployment's
 * is when a new pod cannot start, and `strategy` failed for an OnDelete DaemonSet (its pods change only when
 * deleted: there is no rollout to wait for). A DaemonSet has no progress deadline; the caller's timeout is it.
 */
export function daemonSetRolloutState(daemon: DaemonSet, pods: Pod[], expect: RolloutExpectation = {}, createFailure?: string): RolloutState {
  const s = daemon.status ?? {};
  const progress: RolloutProgress = { replicas: s.desiredNumberScheduled ?? 0, updated: s.updatedNumberScheduled ?? 0, ready: s.numberReady ?? 0, available: s.numberAvailable ?? 0, message: '' };
  const where = describeWorkload('DaemonSet', daemon.metadata.namespace, daemon.metadata.name);
  const expected = checkExpectation(where, daemon, progress, expect);
  if (expected) return expected;
  const view = daemonSetStatusView(daemon);
  if (view.error) {
    const strategy = daemon.spec?.updateStrategy?.type;
    return {
      state: 'failed',
      progress: { ...progress, message: view.error },
      cause: 'strategy',
      reason: `the rollout of ${where} cannot be watched: ${view.error} (its updateStrategy is ${strategy}: a pod gets the new template only when it is deleted)`,
    };
  }
  const observed = (daemon.metadata.generation ?? 0) <= (s.observedGeneration ?? 0);
  if (!observed) return { state: 'progressing', progress: { ...progress, message: view.message } };
  const problems = problemsOf(daemon, pods);
  const fatal = problems.find((p) => p.fatal);
  if (fatal) return failed(where, progress, 'pods', fatal.message);
  if (view.done) return { state: 'complete', progress: { ...progress, message: view.message } };
  // No ReplicaFailure condition on a DaemonSet: the controller's FailedCreate Event says why pods are missing.
  if (createFailure) return failed(where, progress, 'replicas', `FailedCreate: ${createFailure}`);
  const problem = problems[0]?.message;
  return { state: 'progressing', progress: { ...progress, message: problem ? `${view.message} (${problem})` : view.message } };
}

/** The rollout state of either kind. Pure. */
export function workloadRolloutState(kind: PatchableKind, workload: PatchableWorkload, pods: Pod[], expect: RolloutExpectation = {}, createFailure?: string): RolloutState {
  return kind === 'DaemonSet' ? daemonSetRolloutState(workload as DaemonSet, pods, expect, createFailure) : rolloutState(workload as Deployment, pods, expect);
}

export interface WaitForRolloutOptions {
  /** Deployment (the default) or DaemonSet. */
  kind?: PatchableKind;
  namespace: string;
  name: string;
  expect?: RolloutExpectation;
  timeoutMs?: number;
  token?: CancellationTokenLike;
  onProgress?: (progress: RolloutProgress) => void;
  /**
   * false: keep waiting through failures that may heal (pods that cannot start, replicas that cannot be created:
   * restore waits for the CVO to put the payload back); the default fails at the first (patch).
   */
  failFast?: boolean;
}

/**
 * Waits for a Deployment's or DaemonSet's rollout by watching it and its pods (list+watch, no polling; the
 * informers reconnect through API server restarts and re-list after 410 Gone). Resolves with the final state when
 * complete; throws an OkdError with the reason when it fails (kind `unsupported` for a DaemonSet whose
 * updateStrategy is OnDelete), on timeout, and CancelledError on cancel.
 */
export async function waitForRollout(client: ClusterClient, options: WaitForRolloutOptions): Promise<RolloutState> {
  const { namespace, name } = options;
  const kind = options.kind ?? 'Deployment';
  const where = describeWorkload(kind, namespace, name);
  let workload = await client.retryRead(() => getWorkload(client, kind, namespace, name), { what: `get ${where}`, ...(options.token ? { token: options.token } : {}) });
  const selector = labelSelectorString(workload.spec?.selector, `the selector of ${where}`);
  const pods = new Map<string, Pod>();
  const events = new Map<string, KubeEvent>();
  // FailedCreate Events from before this wait are about an earlier rollout (a minute of slack for clock skew).
  const since = Date.now() - 60_000;

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
      const state = workloadRolloutState(kind, workload, [...pods.values()], options.expect, latestCreateFailure(events.values(), since));
      if (state.progress.message !== lastMessage) {
        lastMessage = state.progress.message;
        options.onProgress?.(state.progress);
      }
      if (state.state === 'complete') finish(undefined, state);
      else if (state.state === 'failed' && (options.failFast !== false || !(state.cause === 'pods' || state.cause === 'replicas'))) {
        finish(state.cause === 'strategy' ? new OkdError('unsupported', state.reason, `roll its pods with \`oc -n ${namespace} delete pods -l '${selector}'\``) : new OkdError('failed', state.reason));
      }
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
    let listedWorkload = false;
    let listedPods = false;
    let listedEvents = kind !== 'DaemonSet';
    const judge = () => {
      if (listedWorkload && listedPods && listedEvents) evaluate();
    };
    const gone = () => finish(new OkdError('not-found', `${where} was deleted during its rollout`));
    watches.push(
      client.inform<PatchableWorkload>(
        workloadCollectionPath(kind, namespace),
        { fieldSelector: `metadata.name=${name}` },
        {
          onSync: (items) => {
            if (!items[0]) return gone();
            workload = items[0];
            listedWorkload = true;
            judge();
          },
          onEvent: (type, object) => {
            if (type === 'DELETED') return gone();
            workload = object;
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
    if (kind === 'DaemonSet') {
      watches.push(
        client.inform<KubeEvent>(
          `/api/v1/namespaces/${namespace}/events`,
          { fieldSelector: failedCreateSelector(kind, name, workload.metadata.uid) },
          {
            onSync: (items) => {
              events.clear();
              for (const e of items) events.set(e.metadata.name, e);
              listedEvents = true;
              judge();
            },
            onEvent: (type, e) => {
              if (type === 'DELETED') events.delete(e.metadata.name);
              else events.set(e.metadata.name, e);
              judge();
            },
            // Events may be unreadable to a user who may watch the DaemonSet: judge without them.
            onError: () => {
              listedEvents = true;
              judge();
            },
          },
        ),
      );
    }
  });
}

// Rollout failures named as `kubectl rollout status` and `oc get pods` users read them, from objects shaped as a
// kube-apiserver returns them: the PodScheduled and Deployment conditions are as kube-apiserver v1.37.2 and its
// controllers wrote them in test/integration/cluster-workloads.test.ts; the container statuses are the kubelet's
// (pkg/kubelet reasons and messages: CrashLoopBackOff "back-off ... restarting failed container=...", image pulls
// "Back-off pulling image ...").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podProblem } from '../../src/core/cluster/pods';
import { daemonSetRolloutState, daemonSetStatusView, rolloutState } from '../../src/core/cluster/rollout';
import type { ContainerStatus, DaemonSet, Deployment, Pod } from '../../src/core/cluster/types';

const IMAGE = `quay.io/okd/scos-content@sha256:${'a'.repeat(64)}`;
const DEV = `quay.io/me/cluster-image-registry-operator@sha256:${'b'.repeat(64)}`;
const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';
const T = '2026-12-03T15:27:21Z';

function deployment(status: Deployment['status'], extra: { generation?: number; initContainers?: boolean } = {}): Deployment {
  return {
    metadata: { name: NAME, namespace: NS, uid: '6f0b1c9e-4a2d-4c36-9d8e-2f1a3b4c5d6e', resourceVersion: '2741', generation: extra.generation ?? 2 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { name: NAME } },
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { name: NAME } },
        spec: {
          ...(extra.initContainers ? { initContainers: [{ name: 'trust-bundle', image: DEV }] } : {}),
          containers: [{ name: NAME, image: DEV, env: [{ name: 'OPERATOR_IMAGE', value: DEV }] }],
        },
      },
    },
    ...(status ? { status } : {}),
  };
}

/** The status the deployment controller writes while the new ReplicaSet's pod is not available. */
const rollingOut: Deployment['status'] = {
  observedGeneration: 2,
  replicas: 1,
  updatedReplicas: 1,
  unavailableReplicas: 1,
  conditions: [
    { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastTransitionTime: T },
    { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${NAME}-776fd5669" is progressing.`, lastTransitionTime: T },
  ],
};

function pod(status: Pod['status'], init = false): Pod {
  return {
    metadata: { name: `${NAME}-776fd5669-kzpc7`, namespace: NS, labels: { name: NAME, 'pod-template-hash': '776fd5669' } },
    spec: { ...(init ? { initContainers: [{ name: 'trust-bundle', image: DEV }] } : {}), containers: [{ name: NAME, image: DEV }] },
    status,
  };
}

const POD = `${NAME}-776fd5669-kzpc7`;

const waiting = (name: string, reason: string, message?: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: DEV,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason, ...(message ? { message } : {}) } },
  ...extra,
});

const failedReason = (state: ReturnType<typeof rolloutState>) => (state.state === 'failed' ? state.reason : `not failed: ${state.state}: ${state.progress.message}`);

describe('podProblem: why a pod does not run, in kubectl get pods words', () => {
  it('an Unschedulable pod, with the scheduler\'s message (not fatal: a node may come)', () => {
    const message = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    const problem = podProblem(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: T }] }));
    assert.deepEqual(problem, { reason: 'Unschedulable', message: `pod ${POD} is Unschedulable: ${message}`, fatal: false });
    const none = podProblem(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods' }] }));
    assert.equal(none?.message, `pod ${POD} is Unschedulable: no nodes available to schedule pods`);
  });

  it('an init container in CrashLoopBackOff: Init:CrashLoopBackOff with its restarts, last exit code and termination message', () => {
    const problem = podProblem(
      pod(
        {
          phase: 'Pending',
          initContainerStatuses: [
            waiting('trust-bundle', 'CrashLoopBackOff', `back-off 40s restarting failed container=trust-bundle pod=${POD}_${NS}(1b2c)`, {
              restartCount: 3,
              lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'open /etc/pki/ca-trust/extracted/pem: permission denied\n' } },
            }),
          ],
          containerStatuses: [waiting(NAME, 'PodInitializing')],
        },
        true,
      ),
    );
    assert.deepEqual(problem, {
      reason: 'Init:CrashLoopBackOff',
      message: `pod ${POD} init container trust-bundle: Init:CrashLoopBackOff: restarted 3 times, last exit code 1 (Error): open /etc/pki/ca-trust/extracted/pem: permission denied`,
      fatal: true,
    });
  });

  it('an init container that cannot be pulled: Init:ErrImagePull with the registry\'s message', () => {
    const said = `initializing source docker://${DEV}: reading manifest sha256:${'b'.repeat(64)} in quay.io/me/cluster-image-registry-operator: manifest unknown`;
    const problem = podProblem(pod({ phase: 'Pending', initContainerStatuses: [waiting('trust-bundle', 'ErrImagePull', said)], containerStatuses: [waiting(NAME, 'PodInitializing')] }, true));
    assert.deepEqual(problem, { reason: 'Init:ErrImagePull', message: `pod ${POD} init container trust-bundle: Init:ErrImagePull: ${said}`, fatal: true });
  });

  it('an init container that exited non-zero: Init:Error with the exit code (the kubelet restarts it; not fatal yet)', () => {
    const problem = podProblem(
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'trust-bundle', image: DEV, ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }], containerStatuses: [waiting(NAME, 'PodInitializing')] }, true),
    );
    assert.deepEqual(problem, { reason: 'Init:Error', message: `pod ${POD} init container trust-bundle: Init:Error: exit code 2 (Error)`, fatal: false });
    const signalled = podProblem(pod({ initContainerStatuses: [{ name: 'trust-bundle', state: { terminated: { exitCode: 137, signal: 9 } } }] }, true));
    assert.equal(signalled?.reason, 'Init:Signal:9');
  });

  it('a finished init container is passed over; one still running blocks the rest without a problem', () => {
    const done = { name: 'trust-bundle', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    assert.equal(podProblem(pod({ initContainerStatuses: [done], containerStatuses: [waiting(NAME, 'ErrImagePull', 'manifest unknown')] }, true))?.reason, 'ErrImagePull');
    assert.equal(podProblem(pod({ initContainerStatuses: [{ name: 'trust-bundle', state: { running: {} } }], containerStatuses: [waiting(NAME, 'PodInitializing')] }, true)), undefined);
  });

  it('a crash loop names the last exit code, not only the back-off', () => {
    const problem = podProblem(
      pod({
        phase: 'Running',
        containerStatuses: [
          waiting(NAME, 'CrashLoopBackOff', `back-off 5m0s restarting failed container=${NAME} pod=${POD}_${NS}(1b2c)`, {
            restartCount: 7,
            lastState: { terminated: { exitCode: 255, reason: 'Error', message: 'F1203 15:27:21.000000       1 main.go:52] unable to load kubeconfig: stat /var/run/secrets: no such file or directory' } },
          }),
        ],
      }),
    );
    assert.deepEqual(problem, {
      reason: 'CrashLoopBackOff',
      message: `pod ${POD} container ${NAME}: CrashLoopBackOff: restarted 7 times, last exit code 255 (Error): F1203 15:27:21.000000       1 main.go:52] unable to load kubeconfig: stat /var/run/secrets: no such file or directory`,
      fatal: true,
    });
  });

  it('pull errors carry the registry\'s message', () => {
    const said = `Back-off pulling image "${DEV}": ErrImagePull: unable to pull image or OCI artifact: pull image err: initializing source docker://${DEV}: reading manifest in quay.io/me/cluster-image-registry-operator: unauthorized: access to the requested resource is not authorized`;
    assert.deepEqual(podProblem(pod({ phase: 'Pending', containerStatuses: [waiting(NAME, 'ImagePullBackOff', said)] })), { reason: 'ImagePullBackOff', message: `pod ${POD} container ${NAME}: ImagePullBackOff: ${said}`, fatal: true });
  });

  it('a running container that is not ready, and a pod that failed, are reported but not fatal', () => {
    assert.equal(podProblem(pod({ phase: 'Running', containerStatuses: [{ name: NAME, ready: false, state: { running: { startedAt: T } } }] }))?.message, `pod ${POD} container ${NAME} is running but not ready (its readiness probe fails)`);
    const evicted = podProblem(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.' }));
    assert.deepEqual(evicted, { reason: 'Evicted', message: `pod ${POD} failed: Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.`, fatal: false });
  });
});

describe('rolloutState: the reason a Deployment\'s rollout fails', () => {
  it('reports an Unschedulable new pod while progressing, and names it when the progress deadline passes', () => {
    const message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    const unschedulable = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] });
    const progressing = rolloutState(deployment(rollingOut), [unschedulable]);
    assert.equal(progressing.state, 'progressing');
    assert.equal(progressing.progress.message, `pod ${POD} is Unschedulable: ${message}`);
    const deadline = deployment({
      ...rollingOut,
      conditions: [rollingOut?.conditions?.[0] as never, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${NAME}-776fd5669" has timed out progressing.` }],
    });
    assert.equal(failedReason(rolloutState(deadline, [unschedulable])), `rollout of Deployment ${NS}/${NAME} failed: ProgressDeadlineExceeded: pod ${POD} is Unschedulable: ${message}`);
    // Without a pod to blame, the controller's own words.
    assert.equal(failedReason(rolloutState(deadline, [])), `rollout of Deployment ${NS}/${NAME} failed: ProgressDeadlineExceeded: ReplicaSet "${NAME}-776fd5669" has timed out progressing.`);
  });

  it('fails on ReplicaFailure with the ReplicaSet controller\'s message (quota, admission)', () => {
    const quota = `pods "${NAME}-776fd5669-x7k2p" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0`;
    const state = rolloutState(
      deployment({
        observedGeneration: 2,
        replicas: 0,
        unavailableReplicas: 1,
        conditions: [
          { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
          { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: quota },
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${NAME}-776fd5669" is progressing.` },
        ],
      }),
      [],
    );
    assert.equal(state.state, 'failed');
    assert.equal(state.state === 'failed' && state.cause, 'replicas');
    assert.equal(failedReason(state), `rollout of Deployment ${NS}/${NAME} failed: ReplicaFailure (FailedCreate): ${quota}`);
    // A ReplicaFailure that has cleared (status False) is no failure.
    const cleared = rolloutState(deployment({ ...rollingOut, conditions: [...(rollingOut?.conditions ?? []), { type: 'ReplicaFailure', status: 'False', reason: 'FailedCreate' }] }), []);
    assert.equal(cleared.state, 'progressing');
  });

  it('fails at once on a new pod that cannot start, and says which pod, container and why', () => {
    const crash = pod({ phase: 'Running', containerStatuses: [waiting(NAME, 'CrashLoopBackOff', 'back-off 10s restarting failed container', { restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error' } } })] });
    const state = rolloutState(deployment(rollingOut), [crash]);
    assert.equal(state.state === 'failed' && state.cause, 'pods');
    assert.equal(failedReason(state), `rollout of Deployment ${NS}/${NAME} failed: pod ${POD} container ${NAME}: CrashLoopBackOff: restarted 1 time, last exit code 1 (Error)`);
    const init = pod({ phase: 'Pending', initContainerStatuses: [waiting('trust-bundle', 'CrashLoopBackOff', 'back-off', { restartCount: 2, lastState: { terminated: { exitCode: 3, reason: 'Error' } } })] }, true);
    assert.equal(failedReason(rolloutState(deployment(rollingOut, { initContainers: true }), [init])), `rollout of Deployment ${NS}/${NAME} failed: pod ${POD} init container trust-bundle: Init:CrashLoopBackOff: restarted 2 times, last exit code 3 (Error)`);
  });

  it('judges only pods of the current template: an old pod crash-looping is not this rollout\'s failure', () => {
    const old: Pod = { ...pod({ phase: 'Running', containerStatuses: [waiting(NAME, 'CrashLoopBackOff', 'back-off')] }), spec: { containers: [{ name: NAME, image: IMAGE }] } };
    assert.equal(rolloutState(deployment(rollingOut), [old]).state, 'progressing');
  });

  it('says nothing from a status the controller wrote for an older generation', () => {
    const stale = rolloutState(deployment({ ...rollingOut, observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }), []);
    assert.deepEqual([stale.state, stale.progress.message], ['progressing', 'waiting for the deployment controller to see the change']);
  });
});

function daemonSet(status: DaemonSet['status'], extra: { generation?: number; strategy?: string } = {}): DaemonSet {
  return {
    metadata: { name: 'node-agent', namespace: 'openshift-node-agent', generation: extra.generation ?? 2 },
    spec: {
      selector: { matchLabels: { app: 'node-agent' } },
      ...(extra.strategy !== undefined ? { updateStrategy: { type: extra.strategy } } : { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } }),
      template: { metadata: { labels: { app: 'node-agent' } }, spec: { containers: [{ name: 'agent', image: DEV }] } },
    },
    ...(status ? { status } : {}),
  };
}

describe('daemonSetStatusView: kubectl\'s DaemonSetStatusViewer, case by case', () => {
  it('an OnDelete DaemonSet has no rollout status (done, with kubectl\'s error)', () => {
    assert.deepEqual(daemonSetStatusView(daemonSet({ observedGeneration: 2 }, { strategy: 'OnDelete' })), { message: '', done: true, error: 'rollout status is only available for RollingUpdate strategy type' });
  });

  it('waits for the controller to observe the latest generation', () => {
    assert.deepEqual(daemonSetStatusView(daemonSet({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })), { message: 'Waiting for daemon set spec update to be observed...', done: false });
    assert.equal(daemonSetStatusView(daemonSet(undefined)).done, false);
  });

  it('waits for the new pods to be updated, then available', () => {
    assert.deepEqual(daemonSetStatusView(daemonSet({ observedGeneration: 2, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 })), {
      message: 'Waiting for daemon set "node-agent" rollout to finish: 1 out of 3 new pods have been updated...',
      done: false,
    });
    assert.deepEqual(daemonSetStatusView(daemonSet({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2, numberUnavailable: 1 })), {
      message: 'Waiting for daemon set "node-agent" rollout to finish: 2 of 3 updated pods are available...',
      done: false,
    });
  });

  it('is done when every desired pod is updated and available, and with none desired (the API omits the zero counts)', () => {
    assert.deepEqual(daemonSetStatusView(daemonSet({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 })), { message: 'daemon set "node-agent" successfully rolled out', done: true });
    // As kube-apiserver returned it for a DaemonSet no node matches (updatedNumberScheduled, numberAvailable absent).
    assert.deepEqual(daemonSetStatusView(daemonSet({ currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, observedGeneration: 2 })), { message: 'daemon set "node-agent" successfully rolled out', done: true });
  });

  it('takes a missing updateStrategy type as the API server\'s default, RollingUpdate', () => {
    const ds = daemonSet({ observedGeneration: 2, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 });
    delete ds.spec?.updateStrategy;
    assert.equal(daemonSetStatusView(ds).done, true);
  });
});

describe('daemonSetRolloutState', () => {
  const agentPod = (status: Pod['status']): Pod => ({ metadata: { name: 'node-agent-622g5', namespace: 'openshift-node-agent', labels: { app: 'node-agent' } }, spec: { nodeName: 'worker-0', containers: [{ name: 'agent', image: DEV }] }, status });

  it('is kubectl\'s view, with the pods\' reasons: a failing new pod fails it, an unready one is named', () => {
    const status = { observedGeneration: 2, desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 1, numberUnavailable: 1 };
    const pulled = daemonSetRolloutState(daemonSet(status), [agentPod({ phase: 'Pending', containerStatuses: [waiting('agent', 'ErrImagePull', 'manifest unknown')] })]);
    assert.equal(failedReason(pulled), 'rollout of DaemonSet openshift-node-agent/node-agent failed: pod node-agent-622g5 container agent: ErrImagePull: manifest unknown');
    const unready = daemonSetRolloutState(daemonSet(status), [agentPod({ phase: 'Running', containerStatuses: [{ name: 'agent', ready: false, state: { running: {} } }] })]);
    assert.deepEqual([unready.state, unready.progress.message], [
      'progressing',
      'Waiting for daemon set "node-agent" rollout to finish: 0 of 1 updated pods are available... (pod node-agent-622g5 container agent is running but not ready (its readiness probe fails))',
    ]);
    assert.deepEqual(unready.progress, { ...unready.progress, replicas: 1, updated: 1, available: 0 });
  });

  it('fails OnDelete as not watchable', () => {
    const state = daemonSetRolloutState(daemonSet({ observedGeneration: 2 }, { strategy: 'OnDelete' }), []);
    assert.equal(state.state === 'failed' && state.cause, 'strategy');
    assert.equal(failedReason(state), 'the rollout of DaemonSet openshift-node-agent/node-agent cannot be watched: rollout status is only available for RollingUpdate strategy type (its updateStrategy is OnDelete: a pod gets the new template only when it is deleted)');
  });

  it('waits for an image it expects, or rejects another', () => {
    const done = { observedGeneration: 2, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 };
    assert.equal(daemonSetRolloutState(daemonSet(done), [], { images: { agent: IMAGE }, mode: 'wait' }).progress.message, `waiting for container agent to run ${IMAGE} (now ${DEV})`);
    assert.match(failedReason(daemonSetRolloutState(daemonSet(done), [], { images: { agent: IMAGE }, mode: 'required' })), /container agent was changed to .* by someone else/);
    assert.equal(daemonSetRolloutState(daemonSet(done), [], { images: { agent: DEV }, mode: 'required' }).state, 'complete');
  });
});

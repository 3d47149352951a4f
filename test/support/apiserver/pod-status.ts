// Pod status as the kubelet reports it: Running and Ready, or a container waiting in ImagePullBackOff or
// CrashLoopBackOff.
import type { KubeObject } from './store';

export type ContainerFailure = { reason: 'ImagePullBackOff' | 'ErrImagePull' | 'CrashLoopBackOff'; message: string };

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function podConditions(ready: boolean, t: string): object[] {
  const r = ready ? 'True' : 'False';
  const notReady = ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [...]' };
  return [
    { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Ready', status: r, lastProbeTime: null, lastTransitionTime: t, ...notReady },
    { type: 'ContainersReady', status: r, lastProbeTime: null, lastTransitionTime: t, ...notReady },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
  ];
}

function base(pod: KubeObject, podIP: string): Record<string, unknown> {
  return { hostIP: '10.0.0.10', hostIPs: [{ ip: '10.0.0.10' }], podIP, podIPs: [{ ip: podIP }], qosClass: 'Burstable', startTime: pod.status?.startTime ?? now() };
}

export function pendingStatus(pod: KubeObject): object {
  const t = now();
  const containers: Array<{ name: string; image: string }> = pod.spec?.containers ?? [];
  return {
    phase: 'Pending',
    conditions: podConditions(false, t).filter((c) => (c as { type: string }).type !== 'PodReadyToStartContainers'),
    hostIP: '10.0.0.10',
    startTime: t,
    containerStatuses: containers.map((c) => ({
      name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false,
      state: { waiting: { reason: 'ContainerCreating' } }, lastState: {},
    })),
  };
}

export function runningStatus(pod: KubeObject, podIP: string, digestOf: (image: string) => string): object {
  const t = now();
  const containers: Array<{ name: string; image: string }> = pod.spec?.containers ?? [];
  return {
    ...base(pod, podIP),
    phase: 'Running',
    conditions: podConditions(true, t),
    containerStatuses: containers.map((c) => ({
      name: c.name, image: c.image, imageID: digestOf(c.image), containerID: `cri-o://${digestOf(c.name).slice(-64)}`,
      ready: true, restartCount: 0, started: true, state: { running: { startedAt: t } }, lastState: {},
    })),
  };
}

export function failingStatus(pod: KubeObject, podIP: string, failures: Map<string, ContainerFailure>, digestOf: (image: string) => string): object {
  const t = now();
  const containers: Array<{ name: string; image: string }> = pod.spec?.containers ?? [];
  return {
    ...base(pod, podIP),
    phase: [...failures.values()].some((f) => f.reason === 'CrashLoopBackOff') ? 'Running' : 'Pending',
    conditions: podConditions(false, t),
    containerStatuses: containers.map((c) => {
      const f = failures.get(c.name);
      if (!f) {
        return { name: c.name, image: c.image, imageID: digestOf(c.image), ready: true, restartCount: 0, started: true, state: { running: { startedAt: t } }, lastState: {} };
      }
      const crash = f.reason === 'CrashLoopBackOff';
      return {
        name: c.name, image: c.image, imageID: crash ? digestOf(c.image) : '', ready: false, restartCount: crash ? 3 : 0, started: false,
        state: { waiting: { reason: f.reason, message: f.message } },
        lastState: crash ? { terminated: { exitCode: 1, reason: 'Error', startedAt: t, finishedAt: t } } : {},
      };
    }),
  };
}

export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}

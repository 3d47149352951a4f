import { conditionOf, type ContainerStatus, type Pod } from './types';

/** Waiting reasons that mean the container will not start without a change (kubelet's own reasons). */
const START_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'PreCreateHookError', 'PostStartHookError']);
const PULL_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * Why a pod does not run, in the words `kubectl get pods` and `kubectl describe pod` use: `reason` is what the
 * STATUS column shows (`CrashLoopBackOff`, `Init:ErrImagePull`, `Unschedulable`), `message` names the pod, the
 * container and the detail (the registry's answer, the last exit code, the scheduler's message). `fatal`: the pod
 * will not start without a change to the workload or the image (a patch fails at once); otherwise it may heal
 * (a node comes up, a probe passes, the kubelet restarts the container) and is only reported.
 */
export interface PodProblem {
  reason: string;
  message: string;
  fatal: boolean;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0]?.trim() ?? '';
}

/** `exit code 1 (Error)`, `signal 9`, with the termination message's first line. */
function termination(t: { reason?: string; message?: string; exitCode?: number; signal?: number }): string {
  const code = t.signal ? `signal ${t.signal}` : `exit code ${t.exitCode ?? '?'}`;
  const said = firstLine(t.message);
  return `${code}${t.reason ? ` (${t.reason})` : ''}${said ? `: ${said}` : ''}`;
}

/** The detail a waiting reason deserves: the registry's message for pulls, the last exit for a crash loop. */
function waitingDetail(status: ContainerStatus, reason: string, message: string | undefined): string {
  const last = status.lastState?.terminated;
  if (reason === 'CrashLoopBackOff') {
    const restarts = status.restartCount ? `restarted ${status.restartCount} time${status.restartCount === 1 ? '' : 's'}, ` : '';
    return last ? `${restarts}last ${termination(last)}` : `${restarts}${firstLine(message)}`.replace(/, $/, '');
  }
  if (PULL_FAILURES.has(reason)) return firstLine(message);
  return firstLine(message) || (last ? `last ${termination(last)}` : '');
}

function containerProblem(pod: Pod, status: ContainerStatus, init: boolean): PodProblem | undefined {
  const prefix = init ? 'Init:' : '';
  const which = `pod ${pod.metadata.name} ${init ? 'init container' : 'container'} ${status.name}`;
  const waiting = status.state?.waiting;
  if (waiting?.reason && START_FAILURES.has(waiting.reason)) {
    const detail = waitingDetail(status, waiting.reason, waiting.message);
    return { reason: `${prefix}${waiting.reason}`, message: `${which}: ${prefix}${waiting.reason}${detail ? `: ${detail}` : ''}`, fatal: true };
  }
  const terminated = status.state?.terminated;
  if (terminated && (terminated.exitCode !== 0 || terminated.signal)) {
    // The kubelet restarts it (restartPolicy Always): CrashLoopBackOff follows if it keeps failing.
    const reason = terminated.reason ? `${prefix}${terminated.reason}` : terminated.signal ? `${prefix}Signal:${terminated.signal}` : `${prefix}ExitCode:${terminated.exitCode ?? '?'}`;
    return { reason, message: `${which}: ${reason}: ${termination(terminated)}`, fatal: false };
  }
  return undefined;
}

/**
 * The first reason a pod does not run, checked in the order a pod gets stuck: scheduling, then its init
 * containers (in order: the first one not done blocks the rest), then its containers, then readiness. Pure.
 */
export function podProblem(pod: Pod): PodProblem | undefined {
  const status = pod.status ?? {};
  const scheduled = conditionOf(status.conditions, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const why = firstLine(scheduled.message) || 'the scheduler found no node for it';
    return { reason: 'Unschedulable', message: `pod ${pod.metadata.name} is Unschedulable: ${why}`, fatal: false };
  }
  if (scheduled?.status === 'False' && scheduled.reason === 'SchedulingGated') {
    return { reason: 'SchedulingGated', message: `pod ${pod.metadata.name} is SchedulingGated: ${firstLine(scheduled.message) || 'it has scheduling gates'}`, fatal: false };
  }
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  for (const init of status.initContainerStatuses ?? []) {
    if (init.state?.terminated?.exitCode === 0) continue;
    if (sidecars.has(init.name) && init.started) continue;
    const problem = containerProblem(pod, init, true);
    if (problem) return problem;
    // Still running or waiting to start: the containers after it have not started, nothing more to see.
    break;
  }
  for (const container of status.containerStatuses ?? []) {
    const problem = containerProblem(pod, container, false);
    if (problem) return problem;
  }
  for (const container of status.containerStatuses ?? []) {
    if (container.state?.running && container.ready === false) {
      return { reason: 'NotReady', message: `pod ${pod.metadata.name} container ${container.name} is running but not ready (its readiness probe fails)`, fatal: false };
    }
  }
  if (status.phase === 'Failed') {
    const why = [status.reason, firstLine(status.message)].filter(Boolean).join(': ');
    return { reason: status.reason ?? 'Failed', message: `pod ${pod.metadata.name} failed${why ? `: ${why}` : ''}`, fatal: false };
  }
  return undefined;
}

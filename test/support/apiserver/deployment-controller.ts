// A deployment controller and kubelet in one: a ReplicaSet and pods per pod-template hash, pods that become Ready
// only when their images exist (ImagePullBackOff otherwise), old pods removed once the new ones are Ready (at once
// for the Recreate strategy), and Deployment status with progress-deadline handling.
import { createHash, randomBytes } from 'node:crypto';
import { deploymentStatus, progressingSince, type RolloutCounts } from './deployment-status';
import type { PodLogs } from './pod-logs';
import { failingStatus, isPodReady, pendingStatus, runningStatus, type ContainerFailure } from './pod-status';
import { resourceByPlural } from './resources';
import type { KubeObject, ObjectStore, StoreEvent } from './store';

export type ImageExists = (pullspec: string) => Promise<boolean>;

export interface DeploymentControllerOptions {
  imageExists?: ImageExists;
  /** Multiplies spec.progressDeadlineSeconds (default 600 s), so tests can time out in a second. */
  progressDeadlineScale?: number;
  resyncMs?: number;
}

const DEPLOY = resourceByPlural('deployments');
const RS = resourceByPlural('replicasets');
const POD = resourceByPlural('pods');
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(hex: string, n: number): string {
  return [...Buffer.from(hex, 'hex')].slice(0, n).map((b) => SAFE[b % SAFE.length]).join('');
}

export function templateHash(template: unknown): string {
  return safeEncode(createHash('sha256').update(JSON.stringify(template ?? {})).digest('hex'), 10);
}

export function digestOf(image: string): string {
  const at = image.indexOf('@sha256:');
  if (at >= 0) return image;
  const repo = image.replace(/:[^/:]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** What a status change means to a client: per container ready flag, state and waiting reason. */
function containerSignature(status: unknown): string {
  const list = (status as { containerStatuses?: Array<{ name: string; ready: boolean; state: Record<string, { reason?: string }> }> })?.containerStatuses ?? [];
  return JSON.stringify(list.map((c) => [c.name, c.ready, Object.keys(c.state), c.state.waiting?.reason]));
}

export class DeploymentController {
  private readonly failures = new Map<string, ContainerFailure>();
  private readonly checking = new Set<string>();
  private readonly progressClock = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private queued = false;
  private running = false;
  private stopped = false;
  private podIPs = 10;

  constructor(
    private readonly store: ObjectStore,
    private readonly logs: PodLogs,
    private readonly opts: DeploymentControllerOptions = {},
  ) {
    this.unsubscribe = store.subscribe((e: StoreEvent) => {
      if (e.def === DEPLOY || e.def === POD) this.schedule();
      if (e.def === DEPLOY && e.type === 'DELETED') this.collectGarbage(e.object);
    });
    this.timer = setInterval(() => this.schedule(), opts.resyncMs ?? 200);
    this.schedule();
  }

  /** Pods using this image fail with `reason` (ImagePullBackOff, ErrImagePull or CrashLoopBackOff). */
  failImage(pullspec: string, reason: ContainerFailure['reason'], message?: string): void {
    const defaults: Record<ContainerFailure['reason'], string> = {
      ImagePullBackOff: `Back-off pulling image "${pullspec}"`,
      ErrImagePull: `reading manifest in ${pullspec}: manifest unknown`,
      CrashLoopBackOff: 'back-off 40s restarting failed container',
    };
    this.failures.set(pullspec, { reason, message: message ?? defaults[reason] });
    this.refreshPods();
  }

  clearImageFailure(pullspec: string): void {
    this.failures.delete(pullspec);
    this.refreshPods();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.timer);
  }

  private refreshPods(): void {
    for (const pod of this.store.list(POD)) void this.resolvePod(pod);
  }

  private schedule(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      if (this.running) return this.schedule();
      this.running = true;
      try {
        for (const d of this.store.list(DEPLOY)) {
          try {
            this.reconcile(d);
          } catch {
            // A write raced with a client; the next event or resync retries.
          }
        }
      } finally {
        this.running = false;
      }
    });
  }

  private ownedPods(deploy: KubeObject): KubeObject[] {
    const rsNames = new Set(
      this.store
        .list(RS, deploy.metadata.namespace)
        .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deploy.metadata.uid))
        .map((rs) => rs.metadata.name),
    );
    return this.store
      .list(POD, deploy.metadata.namespace)
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && rsNames.has(o.name)));
  }

  private reconcile(deploy: KubeObject): void {
    const hash = templateHash(deploy.spec?.template);
    const rsName = `${deploy.metadata.name}-${hash}`;
    const desired: number = deploy.spec?.replicas ?? 1;
    const rs = this.ensureReplicaSet(deploy, rsName, hash, desired);
    let pods = this.ownedPods(deploy);
    const isNew = (p: KubeObject) => p.metadata.labels?.['pod-template-hash'] === hash;
    const recreate = deploy.spec?.strategy?.type === 'Recreate';
    let newPods = pods.filter(isNew);
    const oldPods = pods.filter((p) => !isNew(p));
    const newReady = newPods.filter(isPodReady).length;
    if (oldPods.length > 0 && (recreate || newReady >= desired)) {
      for (const p of oldPods) this.deletePod(p);
    }
    if (!recreate || oldPods.length === 0) {
      for (let i = newPods.length; i < desired; i++) newPods.push(this.createPod(deploy, rs, hash));
      for (const p of newPods.slice(desired)) this.deletePod(p);
      newPods = newPods.slice(0, desired);
    }
    pods = this.ownedPods(deploy);
    // Image pulls are retried (back-off), so an image pushed later lets the pod start.
    for (const p of pods) if (!isPodReady(p)) void this.resolvePod(p);
    const counts: RolloutCounts = {
      total: pods.length,
      updated: pods.filter(isNew).length,
      ready: pods.filter(isPodReady).length,
      updatedReady: pods.filter((p) => isNew(p) && isPodReady(p)).length,
    };
    const scale = this.opts.progressDeadlineScale ?? 1;
    const deadlineMs = (deploy.spec?.progressDeadlineSeconds ?? 600) * 1000 * scale;
    const prev = deploy.status ?? {};
    const progressed = deploy.status !== undefined && counts.updatedReady > (prev.updatedReplicas === counts.updated ? (prev.readyReplicas ?? 0) : Infinity);
    // Condition timestamps have second precision; the deadline clock is kept here to the millisecond so that
    // scaled-down deadlines in tests are exact.
    const clockKey = `${deploy.metadata.uid}/${rsName}`;
    // The clock restarts when a rollout to this ReplicaSet starts (again: a rollback to an older template).
    if (!this.progressClock.has(clockKey) || progressed || progressingSince(deploy, rsName) === undefined) this.progressClock.set(clockKey, Date.now());
    const deadlineExceeded = progressingSince(deploy, rsName) !== undefined && Date.now() - (this.progressClock.get(clockKey) ?? 0) > deadlineMs;
    const status = deploymentStatus(deploy, rsName, counts, deadlineExceeded, progressed && counts.updatedReady > 0 && counts.updatedReady < desired);
    this.store.update(DEPLOY, { ...deploy, metadata: { ...deploy.metadata, resourceVersion: undefined }, status }, { subresource: 'status' });
  }

  private ensureReplicaSet(deploy: KubeObject, rsName: string, hash: string, replicas: number): KubeObject {
    const ns = deploy.metadata.namespace;
    const existing = this.store.get(RS, ns, rsName);
    for (const other of this.store.list(RS, ns)) {
      const owned = other.metadata.ownerReferences?.some((o) => o.uid === deploy.metadata.uid);
      if (owned && other.metadata.name !== rsName && other.spec?.replicas !== 0) {
        this.store.update(RS, { ...other, spec: { ...other.spec, replicas: 0 } });
      }
    }
    if (existing) return existing;
    const labels = { ...(deploy.spec?.template?.metadata?.labels ?? {}), 'pod-template-hash': hash };
    return this.store.create(RS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: ns,
        labels,
        annotations: { 'deployment.kubernetes.io/revision': String(deploy.metadata.generation ?? 1) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploy.metadata.name, uid: deploy.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...(deploy.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
        template: { ...deploy.spec?.template, metadata: { ...(deploy.spec?.template?.metadata ?? {}), labels } },
      },
    });
  }

  private createPod(deploy: KubeObject, rs: KubeObject, hash: string): KubeObject {
    const template = deploy.spec?.template ?? {};
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rs.metadata.name}-${safeEncode(randomBytes(5).toString('hex'), 5)}`,
        namespace: deploy.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
        annotations: { ...(template.metadata?.annotations ?? {}) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...(template.spec ?? {}), nodeName: 'master-0', restartPolicy: template.spec?.restartPolicy ?? 'Always' },
    };
    pod.status = pendingStatus(pod);
    const created = this.store.create(POD, pod);
    void this.resolvePod(created);
    return created;
  }

  /** The kubelet's part: pull the images (ask `imageExists`), then report Running/Ready or why not. */
  private async resolvePod(pod: KubeObject): Promise<void> {
    const key = pod.metadata.uid ?? '';
    if (this.checking.has(key)) return;
    this.checking.add(key);
    try {
      const containers: Array<{ name: string; image: string }> = pod.spec?.containers ?? [];
      const failures = new Map<string, ContainerFailure>();
      for (const c of containers) {
        const injected = this.failures.get(c.image);
        if (injected) failures.set(c.name, injected);
        else if (this.opts.imageExists && !(await this.opts.imageExists(c.image))) {
          failures.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` });
        }
      }
      const current = this.store.get(POD, pod.metadata.namespace, pod.metadata.name);
      if (!current || this.stopped) return;
      const ip = current.status?.podIP ?? `10.128.0.${this.podIPs++ % 250}`;
      const status = failures.size ? failingStatus(current, ip, failures, digestOf) : runningStatus(current, ip, digestOf);
      const wasReady = isPodReady(current);
      if (containerSignature(current.status) === containerSignature(status)) return;
      this.store.update(POD, { ...current, metadata: { ...current.metadata, resourceVersion: undefined }, status }, { subresource: 'status' });
      if (!failures.size && !wasReady) {
        for (const c of containers) {
          this.logs.append(current.metadata.namespace ?? '', current.metadata.name, c.name, `I0000 starting ${c.name} image=${c.image}`);
        }
      }
    } finally {
      this.checking.delete(key);
    }
  }

  private deletePod(pod: KubeObject): void {
    if (!this.store.get(POD, pod.metadata.namespace, pod.metadata.name)) return;
    this.store.delete(POD, pod.metadata.namespace, pod.metadata.name);
    this.logs.close(pod.metadata.namespace ?? '', pod.metadata.name);
  }

  /** Garbage collection: a deleted Deployment takes its ReplicaSets and pods with it. */
  private collectGarbage(deploy: KubeObject): void {
    setImmediate(() => {
      for (const rs of this.store.list(RS, deploy.metadata.namespace)) {
        if (!rs.metadata.ownerReferences?.some((o) => o.uid === deploy.metadata.uid)) continue;
        for (const p of this.store.list(POD, deploy.metadata.namespace)) {
          if (p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid)) this.deletePod(p);
        }
        this.store.delete(RS, rs.metadata.namespace, rs.metadata.name);
      }
    });
  }
}

// A cluster-version operator: loads the release payload named by the ClusterVersion (status.desired, then
// spec.desiredUpdate), applies its Namespaces, Deployments and ClusterOperators unless an `unmanaged: true` override
// names them, reverts drift on every write (plus a short resync), and reports history and conditions.
import { EventEmitter } from 'node:events';
import { isUnmanaged, mergeForApply, type ComponentOverride } from './cvo-merge';
import { resourceByPlural, resourceForKind, type ResourceDef } from './resources';
import { clone, type KubeObject, type ObjectStore, type StoreEvent } from './store';

export interface PayloadManifest {
  file: string;
  objects: object[];
}
export interface Payload {
  version: string;
  manifests: PayloadManifest[];
}
export type PayloadSource = (image: string) => Promise<Payload>;

export interface CvoOptions {
  payloadSource: PayloadSource;
  /** The release the cluster runs before any spec.desiredUpdate. */
  initialImage: string;
  resyncMs?: number;
}

const CV = resourceByPlural('clusterversions');
const DEPLOY = resourceByPlural('deployments');
const CO = resourceByPlural('clusteroperators');
const APPLY_ORDER = ['Namespace', 'ClusterOperator', 'Deployment'];

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };

function setCondition(list: Condition[], c: Condition): Condition[] {
  const old = list.find((x) => x.type === c.type);
  const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now() };
  return old ? list.map((x) => (x.type === c.type ? next : x)) : [...list, next];
}

export class ClusterVersionOperator extends EventEmitter {
  private current?: { image: string; payload: Payload };
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private queued = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Last error of a payload load or apply, for tests and debugging. */
  lastError?: Error;

  constructor(
    private readonly store: ObjectStore,
    private readonly opts: CvoOptions,
  ) {
    super();
    this.unsubscribe = store.subscribe((e: StoreEvent) => {
      if (e.def === CV || e.def === DEPLOY || e.def === CO || e.def.kind === 'Namespace') this.schedule();
    });
    this.timer = setInterval(() => this.schedule(), opts.resyncMs ?? 300);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.timer);
  }

  /** Resolves once the payload `image` is fully applied (its history entry is Completed). */
  payloadAppliedFor(image: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        this.off('applied', onApplied);
        resolve();
      };
      const onApplied = (applied: string) => applied === image && done();
      const t = setTimeout(() => {
        this.off('applied', onApplied);
        reject(new Error(`payload ${image} not applied within ${timeoutMs} ms${this.lastError ? `: ${this.lastError.message}` : ''}`));
      }, timeoutMs);
      this.on('applied', onApplied);
      const cv = this.store.get(CV, undefined, 'version');
      const h = cv?.status?.history?.[0];
      if (h?.image === image && h.state === 'Completed' && this.current?.image === image) done();
    });
  }

  private schedule(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      if (this.running) {
        void this.running.then(() => this.schedule());
        return;
      }
      this.running = this.reconcile()
        .catch((e: unknown) => {
          this.lastError = e as Error;
        })
        .finally(() => {
          this.running = undefined;
        });
    });
  }

  private async reconcile(): Promise<void> {
    const cv = this.store.get(CV, undefined, 'version');
    if (!cv || this.stopped) return;
    const want: string = cv.spec?.desiredUpdate?.image ?? this.current?.image ?? this.opts.initialImage;
    if (this.current?.image !== want) {
      let payload: Payload;
      try {
        payload = await this.opts.payloadSource(want);
      } catch (e) {
        this.lastError = e as Error;
        this.writeStatus((s) => {
          s.conditions = setCondition(s.conditions ?? [], { type: 'ReleaseAccepted', status: 'False', reason: 'RetrievePayload', message: `Retrieving payload failed version="" image="${want}" failure=${(e as Error).message}` });
        });
        return;
      }
      if (this.stopped) return;
      this.current = { image: want, payload };
      this.startUpdate(want, payload.version);
    }
    const overrides: ComponentOverride[] = this.store.get(CV, undefined, 'version')?.spec?.overrides ?? [];
    const managedDeployments = this.apply(this.current.payload, overrides);
    this.finish(this.current.image, this.current.payload.version, overrides, managedDeployments);
  }

  private writeStatus(edit: (status: Record<string, any>) => void): void { // eslint-disable-line @typescript-eslint/no-explicit-any
    const cv = this.store.get(CV, undefined, 'version');
    if (!cv) return;
    const status = clone(cv.status ?? {});
    edit(status);
    status.observedGeneration = cv.metadata.generation;
    this.store.update(CV, { ...cv, metadata: { ...cv.metadata, resourceVersion: undefined }, status }, { subresource: 'status' });
  }

  private startUpdate(image: string, version: string): void {
    this.writeStatus((s) => {
      s.desired = { image, version };
      const history: Array<Record<string, unknown>> = s.history ?? [];
      if (history[0]?.image === image) history[0].version = version;
      else {
        if (history[0]?.state === 'Partial') history[0].completionTime = now();
        history.unshift({ state: 'Partial', startedTime: now(), completionTime: null, version, image, verified: false });
      }
      s.history = history;
      s.conditions = setCondition(s.conditions ?? [], { type: 'ReleaseAccepted', status: 'True', reason: 'PayloadLoaded', message: `Payload loaded version="${version}" image="${image}" architecture="amd64"` });
      if (history[0].state === 'Partial') {
        s.conditions = setCondition(s.conditions, { type: 'Progressing', status: 'True', message: `Working towards ${version}` });
      }
    });
  }

  /** Applies every managed object; returns the managed Deployments (to wait for their rollout). */
  private apply(payload: Payload, overrides: ComponentOverride[]): KubeObject[] {
    const objects = payload.manifests.flatMap((m) => m.objects as KubeObject[]);
    objects.sort((a, b) => APPLY_ORDER.indexOf(a.kind) - APPLY_ORDER.indexOf(b.kind));
    const deployments: KubeObject[] = [];
    for (const required of objects) {
      const def = resourceForKind(required.apiVersion, required.kind);
      if (!def || isUnmanaged(overrides, required)) continue;
      const live = this.ensure(def, required, payload.version);
      if (live && def === DEPLOY) deployments.push(live);
    }
    return deployments;
  }

  private ensure(def: ResourceDef, required: KubeObject, version: string): KubeObject | undefined {
    const ns = required.metadata.namespace;
    let live = this.store.get(def, ns, required.metadata.name);
    if (!live) {
      if (ns && !this.store.get(resourceByPlural('namespaces'), undefined, ns)) return undefined;
      const obj = clone(required);
      if (def.kind === 'Namespace') obj.status = { phase: 'Active' };
      else if (def.subresources.includes('status')) delete obj.status;
      live = this.store.create(def, obj);
    } else {
      const merged = mergeForApply(live, required);
      if (merged) live = this.store.update(def, merged);
    }
    if (def === CO) this.reportOperator(live, required, version);
    return live;
  }

  /** Stands in for the operator itself: reports the ClusterOperator Available at the payload's version. */
  private reportOperator(live: KubeObject, required: KubeObject, version: string): void {
    const versions = [{ name: 'operator', version }];
    if (JSON.stringify(live.status?.versions) === JSON.stringify(versions)) return;
    let conditions: Condition[] = live.status?.conditions ?? [];
    conditions = setCondition(conditions, { type: 'Available', status: 'True', reason: 'AsExpected' });
    conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'AsExpected' });
    conditions = setCondition(conditions, { type: 'Degraded', status: 'False', reason: 'AsExpected' });
    const status = { ...(live.status ?? {}), conditions, versions, relatedObjects: required.status?.relatedObjects ?? live.status?.relatedObjects ?? [] };
    this.store.update(CO, { ...live, metadata: { ...live.metadata, resourceVersion: undefined }, status }, { subresource: 'status' });
  }

  private finish(image: string, version: string, overrides: ComponentOverride[], deployments: KubeObject[]): void {
    const rolledOut = deployments.every((d) => {
      const s = d.status ?? {};
      const want = d.spec?.replicas ?? 1;
      return s.observedGeneration >= (d.metadata.generation ?? 0) && s.updatedReplicas === want && s.availableReplicas === want;
    });
    let completed = false;
    this.writeStatus((s) => {
      const history: Array<Record<string, unknown>> = s.history ?? [];
      if (rolledOut && history[0]?.image === image && history[0].state === 'Partial') {
        history[0].state = 'Completed';
        history[0].completionTime = now();
      }
      const done = history[0]?.state === 'Completed';
      completed = done && history[0]?.image === image;
      let c: Condition[] = s.conditions ?? [];
      if (done) {
        c = setCondition(c, { type: 'Available', status: 'True', message: `Done applying ${version}` });
        c = setCondition(c, { type: 'Failing', status: 'False' });
        c = setCondition(c, { type: 'Progressing', status: 'False', message: `Cluster version is ${version}` });
      }
      const unmanaged = overrides.some((o) => o.unmanaged === true);
      c = setCondition(
        c,
        unmanaged
          ? { type: 'Upgradeable', status: 'False', reason: 'ClusterVersionOverridesSet', message: 'Disabling ownership via cluster version overrides prevents upgrades. Please remove overrides before continuing.' }
          : { type: 'Upgradeable', status: 'True' },
      );
      s.conditions = c;
    });
    if (completed) this.emit('applied', image);
  }
}

// In-memory object storage with Kubernetes' bookkeeping: one global resourceVersion counter, uid, generation bumps on
// spec change, and an event log that watches replay from (`?watch=true&resourceVersion=N`).
import { randomUUID } from 'node:crypto';
import { errors } from './errors';
import { apiVersionOf, type ResourceDef } from './resources';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // Bodies are free-form JSON; controllers narrow what they read.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  status?: any;
  [key: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  def: ResourceDef;
  object: KubeObject;
  resourceVersion: number;
}

/** Throws an ApiError (422) when an object may not be stored; `old` is undefined on create. */
export type Validator = (def: ResourceDef, obj: KubeObject, old: KubeObject | undefined) => void;

export interface UpdateOptions {
  /** `status` writes only .status; otherwise .status is kept from the stored object. */
  subresource?: 'status';
}

const LOG_LIMIT = 20_000;

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function withoutMetaAndStatus(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private readonly validators: Validator[] = [];
  private rv = 1000;

  addValidator(v: Validator): void {
    this.validators.push(v);
  }

  /** Called synchronously after every committed write; listeners must not throw. */
  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  currentResourceVersion(): number {
    return this.rv;
  }

  /** Events after `rv` (exclusive), oldest first; undefined when the log no longer reaches back that far. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (this.log.length > 0 && rv < this.log[0].resourceVersion - 1 && this.log.length >= LOG_LIMIT) return undefined;
    return this.log.filter((e) => e.resourceVersion > rv);
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(this.key(def, namespace, name));
    return o && clone(o);
  }

  mustGet(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const o = this.get(def, namespace, name);
    if (!o) throw errors.notFound(def, name);
    return o;
  }

  list(def: ResourceDef, namespace?: string): KubeObject[] {
    const prefix = `${def.group}/${def.plural}/`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (namespace !== undefined && def.namespaced && o.metadata.namespace !== namespace) continue;
      out.push(clone(o));
    }
    return out.sort((a, b) => this.sortKey(a).localeCompare(this.sortKey(b)));
  }

  create(def: ResourceDef, input: KubeObject): KubeObject {
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    const name = obj.metadata?.name;
    if (!name) throw errors.invalid(def, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    if (def.namespaced && !obj.metadata.namespace) obj.metadata.namespace = 'default';
    if (!def.namespaced) delete obj.metadata.namespace;
    const key = this.key(def, obj.metadata.namespace, name);
    if (this.objects.has(key)) throw errors.alreadyExists(def, name);
    for (const v of this.validators) v(def, obj, undefined);
    delete obj.metadata.resourceVersion;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (def.generation) obj.metadata.generation = 1;
    else delete obj.metadata.generation;
    return this.commit('ADDED', def, key, obj);
  }

  /**
   * PUT semantics: a resourceVersion in the body must match the stored one (409 Conflict otherwise); server-set
   * metadata is kept; generation bumps when anything outside metadata/status changes; a no-op write is not an event.
   */
  update(def: ResourceDef, input: KubeObject, opts: UpdateOptions = {}): KubeObject {
    const name = input.metadata?.name;
    const key = this.key(def, input.metadata?.namespace, name);
    const old = this.objects.get(key);
    if (!old) throw errors.notFound(def, name);
    const wanted = input.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== old.metadata.resourceVersion) throw errors.conflict(def, name);
    let obj: KubeObject;
    if (opts.subresource === 'status') {
      obj = clone(old);
      if (input.status === undefined) delete obj.status;
      else obj.status = clone(input.status);
    } else {
      obj = clone(input);
      obj.apiVersion = old.apiVersion;
      obj.kind = old.kind;
      if (def.subresources.includes('status')) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
      obj.metadata = { ...obj.metadata, name, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp };
      if (old.metadata.namespace) obj.metadata.namespace = old.metadata.namespace;
      else delete obj.metadata.namespace;
      if (def.generation) {
        const specChanged = !deepEqual(withoutMetaAndStatus(obj), withoutMetaAndStatus(old));
        obj.metadata.generation = (old.metadata.generation ?? 1) + (specChanged ? 1 : 0);
      } else delete obj.metadata.generation;
    }
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(obj, old)) return clone(old);
    for (const v of this.validators) v(def, obj, old);
    return this.commit('MODIFIED', def, key, obj);
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const key = this.key(def, namespace, name);
    const old = this.objects.get(key);
    if (!old) throw errors.notFound(def, name);
    this.objects.delete(key);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: 'DELETED', def, object: gone, resourceVersion: this.rv });
    return clone(gone);
  }

  private commit(type: EventType, def: ResourceDef, key: string, obj: KubeObject): KubeObject {
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, obj);
    this.emit({ type, def, object: clone(obj), resourceVersion: this.rv });
    return clone(obj);
  }

  private emit(e: StoreEvent): void {
    this.log.push(e);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    for (const l of this.listeners) l(e);
  }

  private key(def: ResourceDef, namespace: string | undefined, name: string): string {
    return `${def.group}/${def.plural}/${def.namespaced ? (namespace ?? 'default') : ''}/${name}`;
  }

  private sortKey(o: KubeObject): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }
}

// What apply-manifests changed, kept in the cluster so restore works from any machine: one ConfigMap per component,
// `okd-dev-manifests-<component>` in the component's namespace, labelled with the component, one data key per
// object. A ConfigMap rather than annotations on each object: the objects are spread over namespaces and
// cluster-scoped kinds (a restore would have to list every kind to find them), an object apply created has no
// "before" to annotate, and the record must outlive the object it describes (deleted on restore).
import { createHash } from 'node:crypto';
import { OkdError } from '../errors';
import type { ComponentOverride } from '../cluster/types';
import type { ObjectApi } from './api';
import type { PreviousField } from './merge';
import { formatRef, type KubeObject, type ObjectRef } from './objects';

export const RECORD_COMPONENT_LABEL = 'okd-dev.openshift.io/manifests-component';
export const RECORD_RELEASE_ANNOTATION = 'okd-dev.openshift.io/release';

export interface ManifestRecordEntry {
  ref: ObjectRef;
  /** The checkout file it came from. */
  source: string;
  override: ComponentOverride;
  /** okd-dev added the override (restore removes it); false: it was there already (someone else's, left alone). */
  overrideAdded: boolean;
  /** The entry of that key before apply, when there was one with unmanaged: false (restore puts it back). */
  previousOverride?: ComponentOverride;
  /** The object did not exist: restore deletes it unless the payload has it. */
  created: boolean;
  /** The fields apply wrote, as they were (null: absent). */
  previous: PreviousField[];
  appliedAt: string;
}

export interface ManifestRecord {
  namespace: string;
  name: string;
  component: string;
  release: string;
  entries: ManifestRecordEntry[];
  object?: KubeObject;
}

export function recordName(component: string): string {
  return `okd-dev-manifests-${component}`.slice(0, 253);
}

/** The data key of an object: readable kind, plus a hash of the whole reference (names hold ':' and the like). */
export function entryKey(ref: ObjectRef): string {
  return `${ref.kind.toLowerCase()}-${createHash('sha256').update(formatRef(ref)).digest('hex').slice(0, 16)}.json`;
}

function parseRecord(obj: KubeObject): ManifestRecord {
  const data = (obj['data'] ?? {}) as Record<string, string>;
  const entries: ManifestRecordEntry[] = [];
  for (const [key, text] of Object.entries(data)) {
    try {
      entries.push(JSON.parse(text) as ManifestRecordEntry);
    } catch (err) {
      throw new OkdError('failed', `okd-dev's record ${obj.metadata.namespace}/${obj.metadata.name} has an unreadable entry ${key}: ${(err as Error).message}`, 'delete that key, then restore what it named by hand', { cause: err });
    }
  }
  entries.sort((a, b) => (a.appliedAt < b.appliedAt ? -1 : a.appliedAt > b.appliedAt ? 1 : 0));
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    component: obj.metadata.labels?.[RECORD_COMPONENT_LABEL] ?? '',
    release: obj.metadata.annotations?.[RECORD_RELEASE_ANNOTATION] ?? '',
    entries,
    object: obj,
  };
}

/** Every record of `component` in the cluster (normally one), found by label in all namespaces. */
export async function findRecords(api: ObjectApi, component: string): Promise<ManifestRecord[]> {
  const list = await api.list('v1', 'ConfigMap', `${RECORD_COMPONENT_LABEL}=${component}`);
  return list.map(parseRecord);
}

/**
 * Adds entries to the record (created when missing). An object recorded already keeps its first entry: it names
 * the payload's state, which a second apply must not replace with the first apply's.
 */
export async function addRecordEntries(api: ObjectApi, namespace: string, component: string, release: string, entries: ManifestRecordEntry[]): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: recordName(component) };
  for (let attempt = 1; ; attempt++) {
    const live = await api.get(ref);
    const data: Record<string, string> = { ...((live?.['data'] as Record<string, string> | undefined) ?? {}) };
    let changed = false;
    for (const e of entries) {
      const key = entryKey(e.ref);
      if (data[key] !== undefined) continue;
      data[key] = JSON.stringify(e);
      changed = true;
    }
    if (live && !changed) return;
    try {
      if (!live) {
        await api.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ref.name, namespace, labels: { [RECORD_COMPONENT_LABEL]: component }, annotations: { [RECORD_RELEASE_ANNOTATION]: release } },
          data,
        });
      } else {
        await api.replace({ ...live, data });
      }
      return;
    } catch (err) {
      const retry = err instanceof OkdError && err.kind === 'conflict' && attempt < 5;
      // A concurrent create answers 409 AlreadyExists: read it and add to it.
      if (!retry) throw err;
    }
  }
}

export async function deleteRecord(api: ObjectApi, record: ManifestRecord): Promise<void> {
  await api.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: record.namespace, name: record.name });
}

import { type CancellationTokenLike, throwIfCancelled, pause } from '../cancel';
import type { ClusterClient } from '../cluster/client';
import { addOverride, formatOverride } from '../cluster/overrides';
import type { ClusterVersion, ComponentOverride } from '../cluster/types';
import { watchUntil } from '../cluster/watchUntil';
import { OkdError } from '../errors';
import { ObjectApi } from './api';
import type { ManifestsDiff, ObjectDiff } from './diff';
import { type FieldChange, mergeObject, previousFields } from './merge';
import { formatRef, type KubeObject, type ObjectRef } from './objects';
import { addRecordEntries, type ManifestRecordEntry, recordName } from './record';

export interface ApplyOptions {
  token?: CancellationTokenLike;
  onStep?: (message: string) => void;
  /** How long to wait for the CVO to take the new overrides in before writing (default 60 s; then a warning). */
  cvoTimeoutMs?: number;
  now?: () => Date;
  /** Where the record goes (default: the component's namespace as found in the manifests, see componentNamespace). */
  recordNamespace?: string;
}

export interface AppliedObject {
  ref: ObjectRef;
  source: string;
  how: 'created' | 'updated';
  override: ComponentOverride;
  /** False when the override was there already (another tool's, or an earlier apply's). */
  overrideAdded: boolean;
  changes: FieldChange[];
}

export interface ApplyResult {
  component: string;
  version: string;
  applied: AppliedObject[];
  unchanged: ObjectRef[];
  skipped: { ref: ObjectRef; reason: string }[];
  /** namespace/name of the ConfigMap holding what restore needs. */
  record: { namespace: string; name: string };
  warnings: string[];
}

/** The namespace the component lives in: its workload's, else the Namespace it ships, else any of its objects'. */
export function componentNamespace(d: ManifestsDiff): string | undefined {
  const workload = d.objects.find((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.ref.kind) && o.ref.namespace);
  if (workload) return workload.ref.namespace;
  const ns = d.objects.find((o) => o.ref.kind === 'Namespace' && o.ref.apiVersion === 'v1');
  if (ns) return ns.ref.name;
  return d.objects.find((o) => o.ref.namespace)?.ref.namespace;
}

/**
 * Until the CVO has finished a sync pass that read the ClusterVersion with these overrides (status.observedGeneration
 * reaches the generation): a pass that started before could still write the payload's object over ours.
 */
export async function waitForCvoToSeeOverrides(client: ClusterClient, timeoutMs: number, token?: CancellationTokenLike): Promise<boolean> {
  const generation = (await client.getClusterVersion()).metadata.generation;
  if (generation === undefined) return true;
  const late = new Error('timed out');
  try {
    await watchUntil<ClusterVersion>(client, {
      collection: '/apis/config.openshift.io/v1/clusterversions',
      name: 'version',
      what: 'the cluster-version operator',
      done: (cv) => (cv?.status?.observedGeneration ?? 0) >= generation,
      timeoutMs,
      timeoutError: () => late,
      ...(token ? { token } : {}),
    });
    return true;
  } catch (err) {
    if (err === late) return false;
    throw err;
  }
}

/** Waits until the cluster serves a kind (a CRD just created becomes Established a moment later). */
async function waitServed(api: ObjectApi, ref: ObjectRef, token?: CancellationTokenLike): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await api.resource(ref.apiVersion, ref.kind))) {
    throwIfCancelled(token, `waiting for ${ref.kind} to be served`);
    if (Date.now() > deadline) await api.mustResource(ref);
    await pause(250, token);
  }
}

function stripForCreate(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const metadata = { ...obj.metadata };
  delete metadata.resourceVersion;
  return { ...rest, metadata } as KubeObject;
}

/** Writes the manifest's owned fields into the live object; on a conflict reads it again (up to 5 times). */
async function update(api: ObjectApi, o: ObjectDiff): Promise<void> {
  let live = o.live as KubeObject;
  for (let attempt = 1; ; attempt++) {
    try {
      await api.replace(mergeObject(o.rendered, live));
      return;
    } catch (err) {
      if (!(err instanceof OkdError && err.kind === 'conflict') || attempt >= 5) throw err;
      const fresh = await api.get(o.ref);
      if (!fresh) throw new OkdError('conflict', `${formatRef(o.ref)} was deleted while okd-dev wrote it`, 'apply the manifests again');
      live = fresh;
    }
  }
}

/**
 * Applies what `diff` found new or changed, each object behind its own ClusterVersion override: first every
 * override (added to the list, never replacing another entry), then, once the CVO has seen them, a record of what
 * was there (see record.ts), then the objects: created, or updated with the manifest's owned fields merged into
 * the live object (the CVO's own way of writing, guarded by resourceVersion). Unchanged objects are left alone.
 */
export async function apply(client: ClusterClient, d: ManifestsDiff, options: ApplyOptions = {}): Promise<ApplyResult> {
  const api = new ObjectApi(client);
  const step = options.onStep ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const token = options.token;
  const warnings = [...d.warnings];
  const targets = d.objects.filter((o) => o.state === 'new' || o.state === 'changed');
  const namespace = options.recordNamespace ?? componentNamespace(d);
  const result: ApplyResult = {
    component: d.component,
    version: d.version,
    applied: [],
    unchanged: d.objects.filter((o) => o.state === 'unchanged').map((o) => o.ref),
    skipped: d.objects.filter((o) => o.state === 'skipped').map((o) => ({ ref: o.ref, reason: o.reason ?? 'skipped' })),
    record: { namespace: namespace ?? '', name: recordName(d.component) },
    warnings,
  };
  if (!targets.length) return result;
  if (!namespace || !(await api.get({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace }))) {
    throw new OkdError(
      'not-found',
      namespace ? `namespace ${namespace} of ${d.component} does not exist in the cluster` : `the manifests of ${d.component} name no namespace to keep okd-dev's record in`,
      'okd-dev keeps what it changed in a ConfigMap in the component\'s namespace; check that the cluster runs this component',
    );
  }

  const entries: ManifestRecordEntry[] = [];
  let added = 0;
  for (const o of targets) {
    throwIfCancelled(token, 'apply manifests');
    step(`override ${formatOverride(o.override)}`);
    const written = await addOverride(client, o.override);
    const overrideAdded = written.changed && !written.previous;
    if (written.changed) added++;
    entries.push({
      ref: o.ref,
      source: o.source,
      override: o.override,
      overrideAdded,
      ...(written.previous && !written.previous.unmanaged ? { previousOverride: written.previous } : {}),
      created: o.state === 'new',
      previous: o.live ? previousFields(o.rendered, o.live) : [],
      appliedAt: now().toISOString(),
    });
    result.applied.push({ ref: o.ref, source: o.source, how: o.state === 'new' ? 'created' : 'updated', override: o.override, overrideAdded, changes: o.changes });
  }
  if (added) {
    step('waiting for the cluster-version operator to take the overrides in');
    if (!(await waitForCvoToSeeOverrides(client, options.cvoTimeoutMs ?? 60_000, token))) {
      warnings.push('the cluster-version operator has not finished a sync with the new overrides yet; it may still write the payload\'s objects over these once');
    }
  }
  step(`recording what was there in ConfigMap ${namespace}/${result.record.name}`);
  await addRecordEntries(api, namespace, d.component, d.version, entries);

  for (const o of targets) {
    throwIfCancelled(token, 'apply manifests');
    step(`${o.state === 'new' ? 'create' : 'update'} ${formatRef(o.ref)}`);
    if (o.state === 'new') {
      await waitServed(api, o.ref, token);
      try {
        await api.create(stripForCreate(o.rendered));
      } catch (err) {
        // Created meanwhile (by the CVO before it saw the override): write it as an update.
        if (!(err instanceof OkdError && err.kind === 'conflict')) throw err;
        const live = await api.get(o.ref);
        if (!live) throw err;
        await update(api, { ...o, live });
      }
    } else {
      await update(api, o);
    }
  }
  return result;
}

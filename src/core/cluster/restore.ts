import { OkdError } from '../errors';
import type { Release, Workload } from '../release/model';
import type { ClusterClient } from './client';
import { listOperandPatches, type RestoredOperand, restoreOperand } from './operandRestore';
import { findOperatorWorkload } from './operator';
import { addOverride, formatOverride, removeOverride, sameOverride, workloadOverride } from './overrides';
import { type PayloadOptions, readClusterRelease } from './patch';
import { ORIGINAL_IMAGES_ANNOTATION, PATCHED_LABEL, type PatchRecord, readPatchRecord } from './record';
import { undoGlobalPullSecret } from './pullSecretGlobal';
import { type RolloutProgress, waitForRollout } from './rollout';
import { type ComponentOverride, type JsonPatchOp, type PatchableKind, type PatchableWorkload, pointerSegment } from './types';
import { describeWorkload, getWorkload, type KindedWorkload, listPatchedWorkloads, patchWorkload } from './workloads';

export interface RestoreOptions extends PayloadOptions {
  /** Wait until the payload's Deployment or DaemonSet is back and rolled out (default true). */
  wait?: boolean;
  timeoutMs?: number;
  onStep?: (message: string) => void;
  onProgress?: (progress: RolloutProgress) => void;
}

export interface RestoredOperator {
  operator: string;
  kind: PatchableKind;
  namespace: string;
  name: string;
  /** Container -> image it runs again (the payload's). */
  images: Record<string, string>;
  overrideRemoved: boolean;
  /** The entry our override had replaced, written back instead of removing the key (restore leaves it). */
  overridePutBack?: ComponentOverride;
  /** False when the workload is not in the cluster's payload (the CVO cannot put it back: restore does). */
  inPayload: boolean;
  /** How the images came back: the CVO (override removed) or our own patch (the override was not ours). */
  by: 'cvo' | 'okd-dev';
  verified: boolean;
}

export interface RestoreResult {
  restored: RestoredOperator[];
  /** Operand patches put back (every object they edited). */
  operands: RestoredOperand[];
  /** Overrides we did not create, left in place (restore --all reports them). */
  otherOverrides: ComponentOverride[];
}

export const patchedSelector = `${PATCHED_LABEL}=true`;

function payloadWorkload(release: Release, kind: PatchableKind, namespace: string, name: string): Workload | undefined {
  return release.operators.flatMap((o) => o.deployments).find((w) => w.kind === kind && w.namespace === namespace && w.name === name);
}

/** The JSON patch that removes our record (annotation and label), guarded by a test of the record's value. */
export function forgetRecordPatch(deployment: PatchableWorkload): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const text = deployment.metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION];
  const annotation = `/metadata/annotations/${pointerSegment(ORIGINAL_IMAGES_ANNOTATION)}`;
  if (text !== undefined) ops.push({ op: 'test', path: annotation, value: text }, { op: 'remove', path: annotation });
  if (deployment.metadata.labels?.[PATCHED_LABEL] !== undefined) ops.push({ op: 'remove', path: `/metadata/labels/${pointerSegment(PATCHED_LABEL)}` });
  return ops;
}

/** The JSON patch that puts the recorded images back ourselves (when the override is not ours to remove). */
export function imagesBackPatch(deployment: PatchableWorkload, images: Record<string, string>, record: PatchRecord | undefined): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  (deployment.spec?.template?.spec?.containers ?? []).forEach((c, index) => {
    const image = images[c.name];
    if (image && c.image !== image) ops.push({ op: 'test', path: `/spec/template/spec/containers/${index}/image`, value: c.image }, { op: 'replace', path: `/spec/template/spec/containers/${index}/image`, value: image });
    const envs = record?.env[c.name] ?? {};
    (c.env ?? []).forEach((env, envIndex) => {
      const original = envs[env.name];
      if (original !== undefined && env.value !== original) {
        const path = `/spec/template/spec/containers/${index}/env/${envIndex}/value`;
        ops.push({ op: 'test', path, value: env.value }, { op: 'replace', path, value: original });
      }
    });
  });
  return ops;
}

async function restoreWorkload(client: ClusterClient, release: Release, live: KindedWorkload, operator: string, explicit: boolean, options: RestoreOptions): Promise<RestoredOperator> {
  const step = options.onStep ?? (() => undefined);
  const { kind, object: deployment } = live;
  const namespace = deployment.metadata.namespace ?? '';
  const name = deployment.metadata.name;
  const where = describeWorkload(kind, namespace, name);
  const record = readPatchRecord(deployment);
  const workload = payloadWorkload(release, kind, namespace, name);
  const images: Record<string, string> = {};
  for (const container of Object.keys(record?.containers ?? {})) {
    const fromPayload = workload?.containers.find((c) => c.name === container && !c.init)?.image;
    images[container] = fromPayload ?? (record?.containers[container] as string);
  }
  if (!record && workload) for (const c of workload.containers) if (!c.init) images[c.name] = c.image;
  const override = workloadOverride(kind, namespace, name);
  const cv = await client.getClusterVersion();
  const entry = (cv.spec?.overrides ?? []).find((o) => sameOverride(o, override));
  // Ours when our record says we added it; without a record, when the user named this operator.
  const ours = record ? record.override !== undefined : explicit;
  let overrideRemoved = false;
  let overridePutBack: ComponentOverride | undefined;
  let unmanaged = entry?.unmanaged === true;
  let by: RestoredOperator['by'] = 'cvo';
  if (entry && ours) {
    const previous = record?.previousOverride;
    if (previous) {
      step(`putting back the override for ${where} as it was before the patch (unmanaged: ${previous.unmanaged})`);
      await addOverride(client, previous);
      overridePutBack = previous;
      unmanaged = previous.unmanaged === true;
    } else {
      step(`removing the override for ${where}`);
      overrideRemoved = (await removeOverride(client, override)).changed;
      unmanaged = false;
    }
  }
  if (!workload) step(`${where} is not in the payload of the cluster's release: the cluster-version operator will not put it back`);
  if (!workload || unmanaged) {
    // Not the CVO's to put back (not in the payload, or someone else's override): put the recorded images back.
    by = 'okd-dev';
    const ops = imagesBackPatch(deployment, images, record);
    if (ops.length) {
      step(`setting ${where} back to its recorded images`);
      await patchWorkload(client, kind, namespace, name, ops);
    }
  }
  let verified = false;
  if (options.wait !== false) {
    step(by === 'cvo' ? `waiting for the cluster-version operator to put ${where} back` : `waiting for ${where} to roll out`);
    await waitForRollout(client, {
      kind,
      namespace,
      name,
      expect: { images, mode: 'wait' },
      failFast: false,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    verified = true;
  }
  if (record?.pullSecretKey) {
    step(`taking the credentials for ${record.pullSecretKey} out of the global pull secret again`);
    await undoGlobalPullSecret(client, { keys: [record.pullSecretKey] });
  }
  const forget = forgetRecordPatch(await getWorkload(client, kind, namespace, name));
  if (forget.length) await patchWorkload(client, kind, namespace, name, forget);
  return { operator, kind, namespace, name, images, overrideRemoved, ...(overridePutBack ? { overridePutBack } : {}), inPayload: workload !== undefined, by, verified };
}

/**
 * Puts an operator back to the payload's Deployment or DaemonSet: removes the override we added (or puts back the
 * entry it replaced; an override someone else set before our patch stays, and we put the recorded images back
 * ourselves; without any record of ours, the override is removed: the user named this operator), waits until the
 * CVO has put the payload's images back and the rollout is complete, and removes our record from the workload.
 */
export async function restoreOperator(client: ClusterClient, operator: string, options: RestoreOptions): Promise<RestoredOperator> {
  const { release } = await readClusterRelease(client, options);
  const patched = await listPatchedWorkloads(client, patchedSelector);
  const mine = patched.filter(({ kind, object }) => {
    const record = readPatchRecord(object);
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    return key === operator || `${kind.toLowerCase()}/${key}` === operator.toLowerCase() || record?.operator === operator || record?.component === operator;
  });
  if (mine.length > 1) {
    throw new OkdError('invalid-input', `"${operator}" names several patched workloads: ${mine.map((w) => describeWorkload(w.kind, w.object.metadata.namespace, w.object.metadata.name)).join(', ')}`, 'name one as KIND/NAMESPACE/NAME');
  }
  if (mine[0]) return restoreWorkload(client, release, mine[0], operator, true, options);
  const target = findOperatorWorkload(release, operator);
  const object = await getWorkload(client, target.kind, target.namespace, target.name);
  const cv = await client.getClusterVersion();
  if (!(cv.spec?.overrides ?? []).some((o) => sameOverride(o, workloadOverride(target.kind, target.namespace, target.name)))) {
    throw new OkdError('not-found', `${operator} is not patched: ${describeWorkload(target.kind, target.namespace, target.name)} has no override and no okd-dev record`, 'nothing to restore');
  }
  return restoreWorkload(client, release, { kind: target.kind, object }, operator, true, options);
}

/**
 * Restores a component: its operand patch when it has one (every object the patch edited), else the operator as
 * restoreOperator does.
 */
export async function restoreComponent(client: ClusterClient, name: string, options: RestoreOptions): Promise<{ operand: RestoredOperand } | { operator: RestoredOperator }> {
  const entries = (await listOperandPatches(client)).get(name);
  if (entries?.length) return { operand: await restoreOperand(client, name, entries, options) };
  return { operator: await restoreOperator(client, name, options) };
}

/** Restores every operator and operand we patched (found by our labels); overrides we did not create are reported, not touched. */
export async function restoreAll(client: ClusterClient, options: RestoreOptions): Promise<RestoreResult> {
  const operands: RestoredOperand[] = [];
  for (const [component, entries] of await listOperandPatches(client)) operands.push(await restoreOperand(client, component, entries, options));
  const patched = await listPatchedWorkloads(client, patchedSelector);
  const restored: RestoredOperator[] = [];
  if (patched.length) {
    const { release } = await readClusterRelease(client, options);
    for (const live of patched) {
      const record = readPatchRecord(live.object);
      restored.push(await restoreWorkload(client, release, live, record?.operator ?? `${live.object.metadata.namespace}/${live.object.metadata.name}`, false, options));
    }
  }
  const cv = await client.getClusterVersion();
  const otherOverrides = (cv.spec?.overrides ?? []).filter(
    (o) => !restored.some((r) => r.overrideRemoved && sameOverride(o, workloadOverride(r.kind, r.namespace, r.name))) && !operands.some((r) => r.objects.some((x) => x.overrideRemoved && sameOverride(o, x.object))),
  );
  return { restored, operands, otherOverrides };
}

export function describeOverrides(list: ComponentOverride[]): string {
  return list.map(formatOverride).join(', ');
}

/** What restore did to the override and the images, in words (the CLI and the editor both say it). */
export function describeRestoreOutcome(r: RestoredOperator): string {
  const override = r.overridePutBack
    ? 'the override that was there before okd-dev put back'
    : r.overrideRemoved
      ? 'override removed'
      : "the override was not okd-dev's and is left";
  const back = r.inPayload ? (r.by === 'cvo' ? `payload ${r.kind} back` : 'payload images put back') : `recorded images put back (the ${r.kind} is not in the payload)`;
  return `${override}, ${back}`;
}

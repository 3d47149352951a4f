// Patching an operand: the component's pullspec as its operators take it (env, args, ConfigMaps shipped in the
// payload) is rewritten to another image, each of those objects behind its own override, then the operators' and
// the operand's rollouts are followed. The plan is computed first and changes nothing.
import { type CancellationTokenLike, CancelledError, throwIfCancelled } from '../cancel';
import { OkdError } from '../errors';
import { readPayload } from '../release/reader';
import type { ClusterClient } from './client';
import { type ObjectPatchPlan, describeObject, findPayloadReferences, holdsReference, isOperand, type LiveObject, objectOverride, type OperandObjectRef, type PayloadReference, planObjectPatch } from './operand';
import { getObject, patchObject } from './operandObjects';
import { addOverride, formatOverride, removeOverride, sameOverride } from './overrides';
import { type PayloadOptions, readClusterRelease, resolveImageDigest } from './patch';
import { OPERAND_PATCHED_LABEL, OPERAND_RECORD_ANNOTATION, type OperandEdit, readOperandRecord } from './record';
import { type RolloutProgress, waitForRollout } from './rollout';
import { type ComponentOverride, type JsonPatchOp, PATCHABLE_KINDS, type PatchableKind, type PatchableWorkload, pointerSegment } from './types';
import { listWorkloads, workloadCollectionPath } from './workloads';
import { watchUntil } from './watchUntil';

/** A Deployment or DaemonSet of the cluster (not of the payload) whose containers run the operand image. */
export interface OperandWorkload {
  kind: PatchableKind;
  namespace: string;
  name: string;
  containers: string[];
}

export interface OperandPlanObject {
  object: OperandObjectRef;
  /** The payload manifest it comes from. */
  file: string;
  override: ComponentOverride;
  /** An `unmanaged: true` override of this object is there already (someone else's, or an earlier patch's). */
  overrideSet: boolean;
  edits: OperandEdit[];
}

export interface OperandPlan {
  component: string;
  release: { version: string; image: string };
  /** The component's pullspec in the payload, and the digest pullspec it becomes. */
  payloadImage: string;
  image: string;
  objects: OperandPlanObject[];
  /** The operand's own workloads found in the cluster: waited for once their operator has rolled them out. */
  operands: OperandWorkload[];
  /** Payload objects holding the reference that are not in the cluster (another cluster profile): left out. */
  missing: OperandObjectRef[];
  notes: string[];
}

export interface ComponentPatchOptions extends PayloadOptions {
  component: string;
  image: string;
  onStep?: (message: string) => void;
}

/** Running images of every Deployment and DaemonSet of the cluster that hold one of `images` (by digest). */
export async function findOperandWorkloads(client: ClusterClient, images: readonly string[], except: readonly OperandObjectRef[]): Promise<OperandWorkload[]> {
  const out: OperandWorkload[] = [];
  for (const kind of PATCHABLE_KINDS) {
    const items = await listWorkloads(client, kind, '').catch((err: unknown) => {
      if (kind === 'DaemonSet') return [];
      throw err;
    });
    for (const w of items) {
      const namespace = w.metadata.namespace ?? '';
      if (except.some((e) => e.kind === kind && e.namespace === namespace && e.name === w.metadata.name)) continue;
      const containers = (w.spec?.template?.spec?.containers ?? []).filter((c) => holdsReference(c.image, images)).map((c) => c.name);
      if (containers.length) out.push({ kind, namespace, name: w.metadata.name, containers });
    }
  }
  return out;
}

/**
 * What patching `component` with `image` would change, or `operator` when the component is not an operand (its
 * pullspec is only the image of the workloads that run it: `patchOperator`'s case). Reads the payload's manifests
 * from the release the cluster runs and the live objects; changes nothing.
 */
export async function planComponentPatch(client: ClusterClient, options: ComponentPatchOptions): Promise<{ kind: 'operator' } | { kind: 'operand'; plan: OperandPlan; references: PayloadReference[] }> {
  const step = options.onStep ?? (() => undefined);
  if (options.component.includes('/')) return { kind: 'operator' };
  step('reading the cluster release');
  const { image: releaseImage, release } = await readClusterRelease(client, options);
  const component = release.components.find((c) => c.name === options.component);
  if (!component) return { kind: 'operator' }; // patchOperator says which components there are
  const payload = await readPayload(releaseImage, { registry: options.registry, cache: options.cache, platform: options.platform, token: options.token, logger: client.logger });
  const found = findPayloadReferences(payload.files, component.pullSpec);
  if (!isOperand(found)) return { kind: 'operator' };
  step(`resolving ${options.image}`);
  const image = await resolveImageDigest(options.image, options.registry, options.token);
  const cv = await client.getClusterVersion();
  const objects: OperandPlanObject[] = [];
  const references: PayloadReference[] = [];
  const missing: OperandObjectRef[] = [];
  const previousImages = new Set<string>();
  for (const reference of found) {
    let live: LiveObject;
    try {
      live = await getObject(client, reference.object);
    } catch (err) {
      if (err instanceof OkdError && err.kind === 'not-found') {
        missing.push(reference.object);
        continue;
      }
      throw err;
    }
    // Planned against the live object now: a mismatch is reported with the cluster unchanged.
    const planned = planObjectPatch(live, reference, component.name, component.pullSpec, image);
    const previous = readOperandRecord(live);
    if (previous && previous.image !== image) previousImages.add(previous.image);
    const override = objectOverride(reference.object);
    const overrideSet = (cv.spec?.overrides ?? []).some((o) => sameOverride(o, override) && o.unmanaged === true);
    objects.push({ object: reference.object, file: reference.file, override, overrideSet, edits: planned.edits });
    references.push(reference);
  }
  if (!objects.length) throw new OkdError('not-found', `none of the objects that take the ${component.name} pullspec is in the cluster: ${missing.map(describeObject).join(', ')}`, 'check that the cluster runs the payload the ClusterVersion names');
  const operands = await findOperandWorkloads(client, [component.pullSpec, ...previousImages], objects.map((o) => o.object));
  const notes: string[] = [];
  if (!operands.length) notes.push(`no Deployment or DaemonSet in the cluster runs ${component.pullSpec}: its operator creates it when it is needed; okd-dev waits only for the objects that exist`);
  if (missing.length) notes.push(`not in the cluster (another cluster profile?), left out: ${missing.map(describeObject).join(', ')}`);
  const configMaps = objects.filter((o) => o.object.kind === 'ConfigMap');
  if (configMaps.length) notes.push(`the operator sees the new ${configMaps.map((o) => describeObject(o.object)).join(', ')} when it reads it again; an operator that reads it only at start needs a restart`);
  return {
    kind: 'operand',
    plan: { component: component.name, release: { version: release.version, image: releaseImage }, payloadImage: component.pullSpec, image, objects, operands, missing, notes },
    references,
  };
}

/** The plan in words, as the CLI prints it before changing anything. */
export function renderOperandPlan(plan: OperandPlan): string {
  const out = [`Plan: ${plan.component} is an operand of release ${plan.release.version}: ${plan.payloadImage} -> ${plan.image}`];
  for (const o of plan.objects) {
    out.push(`  ${describeObject(o.object)} (${o.file})`);
    out.push(`    override ${formatOverride(o.override)} unmanaged${o.overrideSet ? ' (already set)' : ''}`);
    for (const e of o.edits) out.push(`    ${describeEditLine(e)}`);
  }
  for (const w of plan.operands) out.push(`  operand ${w.kind} ${w.namespace}/${w.name} (containers ${w.containers.join(', ')}): waited for once its operator has rolled it out`);
  for (const note of plan.notes) out.push(`  note: ${note}`);
  return `${out.join('\n')}\n`;
}

function describeEditLine(e: OperandEdit): string {
  if (e.field === 'data') return `data ${e.key}: ${e.from.length > 200 ? `${e.from.length} characters` : JSON.stringify(e.from)} -> the same with the new pullspec`;
  const where = e.field === 'image' ? `container ${e.container} image` : e.field === 'args' ? `args ${e.container}[${e.index}]` : `env ${e.container}/${e.key}`;
  return `${where}: ${e.from} -> ${e.to}`;
}

export interface PatchedObject {
  object: OperandObjectRef;
  override: ComponentOverride;
  overrideAdded: boolean;
  edits: OperandEdit[];
}

export interface OperandPatchResult {
  plan: OperandPlan;
  objects: PatchedObject[];
}

interface Applied {
  ref: OperandObjectRef;
  /** Each edit as this patch made it: `from` is what was there just before (the undo puts it back). */
  undo: OperandEdit[];
  /** Our record before this patch (an earlier patch's), put back by the undo. */
  recordBefore?: string;
}

function undoOps(live: LiveObject, applied: Applied): JsonPatchOp[] {
  const containers = live.spec?.template?.spec?.containers ?? [];
  const ops: JsonPatchOp[] = [];
  for (const e of applied.undo) {
    let path: string;
    if (e.field === 'data') path = `/data/${pointerSegment(e.key as string)}`;
    else {
      const index = containers.findIndex((c) => c.name === e.container);
      const base = `/spec/template/spec/containers/${index}`;
      path = e.field === 'image' ? `${base}/image` : e.field === 'args' ? `${base}/args/${e.index}` : `${base}/env/${(containers[index]?.env ?? []).findIndex((x) => x.name === e.key)}/value`;
    }
    ops.push({ op: 'test', path, value: e.to }, { op: 'replace', path, value: e.from });
  }
  const annotation = `/metadata/annotations/${pointerSegment(OPERAND_RECORD_ANNOTATION)}`;
  if (applied.recordBefore !== undefined) ops.push({ op: 'replace', path: annotation, value: applied.recordBefore });
  else if (live.metadata.annotations?.[OPERAND_RECORD_ANNOTATION] !== undefined) {
    ops.push({ op: 'remove', path: annotation }, ...(live.metadata.labels?.[OPERAND_PATCHED_LABEL] !== undefined ? [{ op: 'remove' as const, path: `/metadata/labels/${pointerSegment(OPERAND_PATCHED_LABEL)}` }] : []));
  }
  return ops;
}

/**
 * Carries out a plan: every override first (so the CVO leaves the objects alone), then each object's guarded
 * patch (planned again against the live object). A failure half-way puts back what this patch changed and
 * removes the overrides it added (an override that was there before stays), so the cluster is as before.
 */
export async function patchOperand(client: ClusterClient, plan: OperandPlan, references: readonly PayloadReference[], options: { token?: CancellationTokenLike; onStep?: (message: string) => void } = {}): Promise<OperandPatchResult> {
  const step = options.onStep ?? (() => undefined);
  throwIfCancelled(options.token, 'patch');
  const added: { override: ComponentOverride; previous?: ComponentOverride }[] = [];
  const applied: Applied[] = [];
  const objects: PatchedObject[] = [];
  try {
    const overrides: { changed: boolean; previous?: ComponentOverride }[] = [];
    for (const o of plan.objects) {
      step(`adding the override for ${describeObject(o.object)}`);
      const result = await addOverride(client, o.override);
      if (result.changed) added.push({ override: o.override, ...(result.previous ? { previous: result.previous } : {}) });
      overrides.push(result);
    }
    for (const [i, o] of plan.objects.entries()) {
      const reference = references[i] as PayloadReference;
      const override = overrides[i] as { changed: boolean; previous?: ComponentOverride };
      step(`rewriting ${plan.component} in ${describeObject(o.object)}`);
      for (let attempt = 1; ; attempt++) {
        const live = await getObject(client, o.object);
        const planned: ObjectPatchPlan = planObjectPatch(live, reference, plan.component, plan.payloadImage, plan.image, override.changed ? { override: o.override, ...(override.previous ? { previousOverride: override.previous } : {}) } : {});
        try {
          await patchObject(client, o.object, planned.ops);
          const recordBefore = live.metadata.annotations?.[OPERAND_RECORD_ANNOTATION];
          applied.push({ ref: o.object, undo: planned.edits.map((e, n) => ({ ...e, from: planned.replaced[n] as string })), ...(recordBefore !== undefined ? { recordBefore } : {}) });
          objects.push({ object: o.object, override: o.override, overrideAdded: override.changed, edits: planned.edits });
          break;
        } catch (err) {
          // A failed `test` (422) or a conflict: the object moved between our read and our patch; plan again.
          if (!(err instanceof OkdError && (err.kind === 'invalid-input' || err.kind === 'conflict')) || attempt >= 3) throw err;
        }
      }
    }
  } catch (err) {
    const reason = err instanceof OkdError ? err.message : (err as Error).message;
    const failures: string[] = [];
    for (const a of [...applied].reverse()) {
      try {
        await patchObject(client, a.ref, undoOps(await getObject(client, a.ref), a));
      } catch (undoErr) {
        failures.push(`putting ${describeObject(a.ref)} back: ${(undoErr as Error).message}`);
      }
    }
    for (const a of [...added].reverse()) {
      try {
        if (a.previous) await addOverride(client, a.previous);
        else await removeOverride(client, a.override);
      } catch (undoErr) {
        failures.push(`removing the override ${formatOverride(a.override)}: ${(undoErr as Error).message}`);
      }
    }
    if (err instanceof CancelledError && !failures.length) throw err;
    const kind = err instanceof OkdError ? err.kind : 'failed';
    if (failures.length) {
      throw new OkdError('failed', `patching ${plan.component} failed: ${reason}; undoing it failed too: ${failures.join('; ')}`, `check \`okd-dev cluster status\` and restore with \`okd-dev cluster restore ${plan.component}\``, { cause: err });
    }
    throw new OkdError(kind, `patching ${plan.component} failed: ${reason}; the edits and the overrides okd-dev added were undone, the cluster is as before`, err instanceof OkdError ? err.hint : undefined, { cause: err });
  }
  return { plan, objects };
}

export interface OperandRolloutOptions {
  timeoutMs?: number;
  token?: CancellationTokenLike;
  onStep?: (message: string) => void;
  onProgress?: (progress: RolloutProgress) => void;
}

/** Waits until a workload's `containers` run an image holding one of `images` (its operator writes it), watching it. */
export async function waitForWorkloadImage(client: ClusterClient, w: OperandWorkload, images: readonly string[], options: OperandRolloutOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  await watchUntil<PatchableWorkload>(client, {
    collection: workloadCollectionPath(w.kind, w.namespace),
    name: w.name,
    what: `${w.kind} ${w.namespace}/${w.name}`,
    done: (live) => {
      const containers = live?.spec?.template?.spec?.containers ?? [];
      return live !== undefined && w.containers.every((name) => holdsReference(containers.find((c) => c.name === name)?.image, images));
    },
    timeoutMs,
    timeoutError: () => new OkdError('failed', `${w.kind} ${w.namespace}/${w.name} did not get ${images[0]} within ${Math.round(timeoutMs / 1000)} s`, "its operator has not rolled it out: check the operator's logs and its ClusterOperator"),
    ...(options.token ? { token: options.token } : {}),
  });
}

/** Rollout of every edited workload (the operators: their pod template changed), then of the operand's own workloads. */
export async function waitForOperandRollout(client: ClusterClient, plan: OperandPlan, options: OperandRolloutOptions = {}): Promise<{ operators: string[]; operands: string[] }> {
  const step = options.onStep ?? (() => undefined);
  const operators: string[] = [];
  for (const o of plan.objects) {
    if (o.object.kind === 'ConfigMap') continue;
    const images = Object.fromEntries(o.edits.filter((e) => e.field === 'image').map((e) => [e.container as string, plan.image]));
    step(`waiting for the rollout of ${describeObject(o.object)}`);
    await waitForRollout(client, {
      kind: o.object.kind,
      namespace: o.object.namespace,
      name: o.object.name,
      ...(Object.keys(images).length ? { expect: { images, mode: 'required' as const } } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    operators.push(describeObject(o.object));
  }
  const operands: string[] = [];
  for (const w of plan.operands) {
    step(`waiting for its operator to give ${w.kind} ${w.namespace}/${w.name} the new image`);
    await waitForWorkloadImage(client, w, [plan.image], options);
    await waitForRollout(client, { kind: w.kind, namespace: w.namespace, name: w.name, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.token ? { token: options.token } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    operands.push(`${w.kind} ${w.namespace}/${w.name}`);
  }
  return { operators, operands };
}

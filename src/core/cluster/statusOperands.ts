// The operand patches in the cluster status: every object an operand patch edited (found by our label, its record
// on it), the overrides that keep the CVO off them, each edit (payload text -> ours), and where the rollouts stand:
// the operators whose pod template changed, then the operand's own workloads their operators give the new image.
import type { ClusterClient } from './client';
import { describeEdit, describeObject, holdsReference, type LiveObject, type OperandObjectKind } from './operand';
import { listObjects, OPERAND_OBJECT_KINDS } from './operandObjects';
import { sameOverride } from './overrides';
import { OPERAND_PATCHED_LABEL, type OperandEdit, readOperandRecord } from './record';
import { workloadRolloutState } from './rollout';
import { type ComponentOverride, PATCHABLE_KINDS, type PatchableKind, type PatchableWorkload } from './types';
import { isUnservedCollection, type KindedWorkload, listWorkloads } from './workloads';

export const operandPatchedSelector = `${OPERAND_PATCHED_LABEL}=true`;

/** Where a rollout stands, as the status shows it: `complete`, `progressing` (why), `failed` (the reason). */
export interface RolloutSummary {
  state: 'complete' | 'progressing' | 'failed';
  message: string;
}

export interface PatchedOperandObject {
  kind: OperandObjectKind;
  group: string;
  namespace: string;
  name: string;
  /** Its ClusterVersion override now (`ours`: the patch added it); absent when there is none. */
  override?: ComponentOverride & { ours: boolean };
  /** Each reference the patch rewrote: the payload's text and the patch's. */
  edits: OperandEdit[];
  /** A workload's rollout (its pod template changed); a ConfigMap has none. */
  rollout?: RolloutSummary;
}

/** A Deployment or DaemonSet of the operand (created by its operator), and whether it runs the patched image yet. */
export interface OperandRun {
  kind: PatchableKind;
  namespace: string;
  name: string;
  containers: string[];
  rollout: RolloutSummary;
}

export interface PatchedOperand {
  component: string;
  /** The component's pullspec in the payload, and the one the patch wrote. */
  payloadImage: string;
  image: string;
  objects: PatchedOperandObject[];
  operands: OperandRun[];
  /** All of it: failed when one failed, progressing while one is, else complete. */
  rollout: RolloutSummary;
  patchedAt?: string;
}

/** What the status reads for the operand patches: our labelled objects, and the workloads that may run the operand. */
export interface OperandStatusInput {
  objects: { kind: OperandObjectKind; object: LiveObject }[];
  workloads: KindedWorkload[];
}

function summary(kind: PatchableKind, workload: PatchableWorkload): RolloutSummary {
  const state = workloadRolloutState(kind, workload, []);
  return { state: state.state, message: state.state === 'failed' ? state.reason : state.progress.message };
}

/** Failed first, then progressing, else complete (with the first message of that state). */
function overall(parts: RolloutSummary[]): RolloutSummary {
  for (const state of ['failed', 'progressing'] as const) {
    const hit = parts.find((p) => p.state === state);
    if (hit) return hit;
  }
  return { state: 'complete', message: parts.length ? parts[parts.length - 1]?.message ?? '' : 'nothing to roll out' };
}

/** The operand patches from what was read. Pure. */
export function buildPatchedOperands(input: OperandStatusInput | undefined, overrides: readonly ComponentOverride[]): PatchedOperand[] {
  const byComponent = new Map<string, PatchedOperand & { at: string[] }>();
  for (const { kind, object } of input?.objects ?? []) {
    const record = readOperandRecord(object);
    if (!record) continue;
    const ref = { kind, group: kind === 'ConfigMap' ? '' : 'apps', namespace: object.metadata.namespace ?? '', name: object.metadata.name };
    const current = overrides.find((o) => sameOverride(o, ref));
    const entry = byComponent.get(record.component) ?? { component: record.component, payloadImage: record.payloadImage, image: record.image, objects: [], operands: [], rollout: { state: 'complete', message: '' }, at: [] };
    entry.objects.push({
      ...ref,
      ...(current ? { override: { ...current, ours: record.override !== undefined && sameOverride(record.override, current) } } : {}),
      edits: record.edits,
      ...(kind !== 'ConfigMap' ? { rollout: summary(kind, object as PatchableWorkload) } : {}),
    });
    entry.at.push(record.patchedAt);
    byComponent.set(record.component, entry);
  }
  const out: PatchedOperand[] = [];
  for (const { at, ...p } of byComponent.values()) {
    p.objects.sort((a, b) => describeObject(a).localeCompare(describeObject(b)));
    const edited = (kind: string, namespace: string, name: string) => p.objects.some((o) => o.kind === kind && o.namespace === namespace && o.name === name);
    for (const { kind, object } of input?.workloads ?? []) {
      const namespace = object.metadata.namespace ?? '';
      if (edited(kind, namespace, object.metadata.name)) continue;
      const containers = object.spec?.template?.spec?.containers ?? [];
      const patched = containers.filter((c) => holdsReference(c.image, [p.image])).map((c) => c.name);
      const waiting = containers.filter((c) => holdsReference(c.image, [p.payloadImage]) && !patched.includes(c.name)).map((c) => c.name);
      if (!patched.length && !waiting.length) continue;
      const rollout: RolloutSummary = waiting.length
        ? { state: 'progressing', message: `waiting for its operator to give container ${waiting.join(', ')} the patched image` }
        : summary(kind, object);
      p.operands.push({ kind, namespace, name: object.metadata.name, containers: [...patched, ...waiting], rollout });
    }
    p.operands.sort((a, b) => `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`));
    p.rollout = overall([...p.objects.flatMap((o) => (o.rollout ? [o.rollout] : [])), ...p.operands.map((o) => o.rollout)]);
    const last = at.sort().pop();
    if (last) p.patchedAt = last;
    out.push(p);
  }
  return out.sort((a, b) => a.component.localeCompare(b.component));
}

/** The overrides the operand patches added: override key -> the component. */
export function operandOverrideOwners(operands: readonly PatchedOperand[]): { override: ComponentOverride; component: string }[] {
  return operands.flatMap((p) => p.objects.filter((o) => o.override?.ours).map((o) => ({ override: o.override as ComponentOverride, component: p.component })));
}

/**
 * Reads our labelled Deployments, DaemonSets and ConfigMaps, and (only when there is an operand patch) every
 * Deployment and DaemonSet, to find the operand's own. A kind the user may not list leaves its objects out when it
 * is a workload kind (its own part of the status says so); ConfigMaps they may not list fail this read (a 403).
 */
export async function readOperandStatusInput(client: ClusterClient): Promise<OperandStatusInput> {
  const objects: OperandStatusInput['objects'] = [];
  const lists = await Promise.all(
    OPERAND_OBJECT_KINDS.map((kind) =>
      listObjects(client, kind, operandPatchedSelector).catch((err: unknown) => {
        if (kind !== 'ConfigMap' && (err as { kind?: string })?.kind === 'forbidden') return [];
        throw err;
      }),
    ),
  );
  OPERAND_OBJECT_KINDS.forEach((kind, i) => {
    for (const object of lists[i] ?? []) if (readOperandRecord(object)) objects.push({ kind, object });
  });
  if (!objects.length) return { objects, workloads: [] };
  const all = await Promise.all(
    PATCHABLE_KINDS.map((kind) =>
      listWorkloads(client, kind, '').catch((err: unknown) => {
        if (isUnservedCollection(err) || (err as { kind?: string })?.kind === 'forbidden') return [];
        throw err;
      }),
    ),
  );
  return { objects, workloads: PATCHABLE_KINDS.flatMap((kind, i) => (all[i] ?? []).map((object) => ({ kind, object }))) };
}

/**
 * One edit as a line: `env operator/MULTUS_IMAGE: OLD -> NEW`; text longer than a pullspec (a ConfigMap's JSON) as
 * the pullspecs it swapped (`payload -> patched`). `shorten` abbreviates each side (the view's short pullspecs).
 */
export function describeEditChange(edit: OperandEdit, payloadImage?: string, image?: string, shorten: (text: string) => string = (t) => t): string {
  const long = edit.from.length > 200 || edit.from.includes('\n');
  const from = long && payloadImage ? payloadImage : edit.from;
  const to = long && image ? image : edit.to;
  return `${describeEdit(edit)}: ${shorten(from)} -> ${shorten(to)}`;
}

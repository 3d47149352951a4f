// Restoring an operand patch: every object it edited goes back to the payload's (the override we added removed, so
// the CVO reapplies the payload object; someone else's override left, and our recorded text put back instead),
// then the operators' and the operand's rollouts are followed and our records removed.
import { OkdError } from '../errors';
import type { ClusterClient } from './client';
import { describeObject, editsAreBack, editsBackPatch, forgetOperandRecordPatch, type LiveObject, type OperandObjectRef } from './operand';
import { getObject, listObjects, objectCollectionPath, OPERAND_OBJECT_KINDS, patchObject, refOf } from './operandObjects';
import { findOperandWorkloads, type OperandWorkload, waitForWorkloadImage } from './operandPatch';
import { addOverride, removeOverride, sameOverride } from './overrides';
import { OPERAND_PATCHED_LABEL, type OperandRecord, readOperandRecord } from './record';
import type { RestoreOptions } from './restore';
import { waitForRollout } from './rollout';
import type { ComponentOverride } from './types';
import { watchUntil } from './watchUntil';

export interface OperandPatchEntry {
  ref: OperandObjectRef;
  live: LiveObject;
  record: OperandRecord;
}

/** Every object an operand patch edited, by component (found by our label, so from any machine). */
export async function listOperandPatches(client: ClusterClient): Promise<Map<string, OperandPatchEntry[]>> {
  const byComponent = new Map<string, OperandPatchEntry[]>();
  for (const kind of OPERAND_OBJECT_KINDS) {
    for (const live of await listObjects(client, kind, `${OPERAND_PATCHED_LABEL}=true`)) {
      const record = readOperandRecord(live);
      if (!record) continue;
      const list = byComponent.get(record.component) ?? [];
      list.push({ ref: refOf(kind, live), live, record });
      byComponent.set(record.component, list);
    }
  }
  return byComponent;
}

export interface RestoredOperandObject {
  object: OperandObjectRef;
  overrideRemoved: boolean;
  overridePutBack?: ComponentOverride;
  /** Who put the payload's text back: the CVO (our override removed) or okd-dev (the override is not ours). */
  by: 'cvo' | 'okd-dev';
}

export interface RestoredOperand {
  component: string;
  /** The payload's pullspec of the component, running again. */
  image: string;
  objects: RestoredOperandObject[];
  /** The operand's own workloads, waited for until they run the payload's image again. */
  operands: string[];
  verified: boolean;
}

/** Until the object holds the payload's text again (the CVO, or okd-dev, wrote it), watching it. */
async function waitUntilBack(client: ClusterClient, entry: OperandPatchEntry, options: RestoreOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  await watchUntil<LiveObject>(client, {
    collection: objectCollectionPath(entry.ref.kind, entry.ref.namespace),
    name: entry.ref.name,
    what: describeObject(entry.ref),
    done: (live) => live !== undefined && editsAreBack(live, entry.record.edits),
    timeoutMs,
    timeoutError: () => new OkdError('failed', `${describeObject(entry.ref)} did not get the payload's text back within ${Math.round(timeoutMs / 1000)} s`, 'check the cluster-version operator: `oc get clusterversion version -o yaml`'),
    ...(options.token ? { token: options.token } : {}),
  });
}

/**
 * Puts every object of one operand patch back: our override removed (or the entry it replaced written back), the
 * CVO then reapplies the payload's object; where the override is someone else's, okd-dev writes the recorded
 * text back itself and the override stays. Then waits for each object to hold the payload's text, the operators'
 * rollouts and the operand's own workloads to run the payload image again, and removes our records.
 */
export async function restoreOperand(client: ClusterClient, component: string, entries: readonly OperandPatchEntry[], options: RestoreOptions): Promise<RestoredOperand> {
  const step = options.onStep ?? (() => undefined);
  const first = entries[0];
  if (!first) throw new OkdError('not-found', `${component} is not patched as an operand`, 'nothing to restore');
  const patchedImage = first.record.image;
  const payloadImage = first.record.payloadImage;
  const operandWorkloads: OperandWorkload[] = await findOperandWorkloads(client, [patchedImage], entries.map((e) => e.ref));
  const objects: RestoredOperandObject[] = [];
  const cv = await client.getClusterVersion();
  for (const entry of entries) {
    const where = describeObject(entry.ref);
    const key = { kind: entry.ref.kind, group: entry.ref.group, namespace: entry.ref.namespace, name: entry.ref.name };
    const current = (cv.spec?.overrides ?? []).find((o) => sameOverride(o, key));
    let unmanaged = current?.unmanaged === true;
    const restored: RestoredOperandObject = { object: entry.ref, overrideRemoved: false, by: 'cvo' };
    if (entry.record.override && current) {
      const previous = entry.record.previousOverride;
      if (previous) {
        step(`putting back the override for ${where} as it was before the patch (unmanaged: ${previous.unmanaged})`);
        await addOverride(client, previous);
        restored.overridePutBack = previous;
        unmanaged = previous.unmanaged === true;
      } else {
        step(`removing the override for ${where}`);
        restored.overrideRemoved = (await removeOverride(client, key)).changed;
        unmanaged = false;
      }
    }
    if (unmanaged) {
      // Someone else's override: the CVO will not put the payload's text back, so we do.
      restored.by = 'okd-dev';
      const ops = editsBackPatch(await getObject(client, entry.ref), entry.record.edits);
      if (ops.length) {
        step(`putting the payload's text back into ${where}`);
        await patchObject(client, entry.ref, ops);
      }
    }
    objects.push(restored);
  }
  let verified = false;
  const operands: string[] = [];
  if (options.wait !== false) {
    const timeouts = { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.token ? { token: options.token } : {}) };
    for (const entry of entries) {
      step(`waiting for ${describeObject(entry.ref)} to hold the payload's text again`);
      await waitUntilBack(client, entry, options);
      if (entry.ref.kind !== 'ConfigMap') {
        await waitForRollout(client, { kind: entry.ref.kind, namespace: entry.ref.namespace, name: entry.ref.name, failFast: false, ...timeouts, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      }
    }
    for (const w of operandWorkloads) {
      step(`waiting for its operator to give ${w.kind} ${w.namespace}/${w.name} the payload's image again`);
      await waitForWorkloadImage(client, w, [payloadImage], timeouts);
      await waitForRollout(client, { kind: w.kind, namespace: w.namespace, name: w.name, failFast: false, ...timeouts, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      operands.push(`${w.kind} ${w.namespace}/${w.name}`);
    }
    verified = true;
  }
  for (const entry of entries) {
    const forget = forgetOperandRecordPatch(await getObject(client, entry.ref));
    if (forget.length) await patchObject(client, entry.ref, forget);
  }
  return { component, image: payloadImage, objects, operands, verified };
}

/** What restore did to one object, in words. */
export function describeRestoredObject(o: RestoredOperandObject): string {
  const override = o.overridePutBack ? 'the override that was there before okd-dev put back' : o.overrideRemoved ? 'override removed' : "the override was not okd-dev's and is left";
  return `${describeObject(o.object)}: ${override}, ${o.by === 'cvo' ? 'payload object back' : 'payload text put back by okd-dev'}`;
}

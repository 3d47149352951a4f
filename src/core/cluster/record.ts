import type { ComponentOverride, ObjectMeta } from './types';

/** On a Deployment or DaemonSet we patched: what it ran before, as JSON (see PatchRecord), so restore works from any machine. */
export const ORIGINAL_IMAGES_ANNOTATION = 'okd-dev.openshift.io/original-images';
/** On a Deployment or DaemonSet we patched, so `restore --all` and status find them with one label-selected list. */
export const PATCHED_LABEL = 'okd-dev.openshift.io/patched';

export interface PatchRecord {
  /** What the user named (component, namespace/name or kind/namespace/name). */
  operator: string;
  component?: string;
  /** Container name -> the image it ran before the first patch (the payload's). */
  containers: Record<string, string>;
  /** Container name -> env var name -> the value it had before the first patch. */
  env: Record<string, Record<string, string>>;
  /** The image set by the last patch (a digest pullspec). */
  image: string;
  /** The override we added; absent when it was there before us (restore then leaves it). */
  override?: ComponentOverride;
  /**
   * The entry of that key our override replaced (e.g. `unmanaged: false` set by someone else): restore and the undo
   * of a failed patch write it back instead of removing the key.
   */
  previousOverride?: ComponentOverride;
  /** The global pull secret entry this patch added for the image (`cluster patch --add-pull-secret`): restore undoes it. */
  pullSecretKey?: string;
  patchedAt: string;
}

export function readPatchRecord(workload: { metadata: ObjectMeta }): PatchRecord | undefined {
  const text = workload.metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION];
  if (!text) return undefined;
  try {
    const record = JSON.parse(text) as PatchRecord;
    return record && typeof record === 'object' && record.containers ? record : undefined;
  } catch {
    return undefined;
  }
}

/** On every object an operand patch edited (operator Deployments, DaemonSets, ConfigMaps): an OperandRecord as JSON. */
export const OPERAND_RECORD_ANNOTATION = 'okd-dev.openshift.io/operand-patch';
/** On every object an operand patch edited, so restore finds them with one label-selected list per kind. */
export const OPERAND_PATCHED_LABEL = 'okd-dev.openshift.io/operand-patched';

/** One reference rewritten in one object: where it is and the text before (the payload's) and after. */
export interface OperandEdit {
  /** `env` value, `args` entry or container `image` of a workload; `data` key of a ConfigMap. */
  field: 'env' | 'args' | 'image' | 'data';
  /** The container (workloads). */
  container?: string;
  /** The env var name or the ConfigMap data key. */
  key?: string;
  /** The position in the container's args. */
  index?: number;
  /** The text before the first patch (the payload's), and the text the last patch wrote. */
  from: string;
  to: string;
}

export interface OperandRecord {
  /** The operand component of the payload (`prometheus`). */
  component: string;
  /** The component's pullspec in the payload, and the digest pullspec the last patch wrote. */
  payloadImage: string;
  image: string;
  edits: OperandEdit[];
  /** The override we added for this object; absent when it was there before us (restore then leaves it). */
  override?: ComponentOverride;
  /** The entry of that key our override replaced: restore writes it back instead of removing the key. */
  previousOverride?: ComponentOverride;
  patchedAt: string;
}

export function readOperandRecord(object: { metadata: ObjectMeta }): OperandRecord | undefined {
  const text = object.metadata.annotations?.[OPERAND_RECORD_ANNOTATION];
  if (!text) return undefined;
  try {
    const record = JSON.parse(text) as OperandRecord;
    return record && typeof record === 'object' && typeof record.component === 'string' && Array.isArray(record.edits) ? record : undefined;
  } catch {
    return undefined;
  }
}

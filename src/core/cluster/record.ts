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

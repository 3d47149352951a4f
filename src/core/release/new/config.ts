import { OkdError } from '../../errors';
import type { ImageConfig } from '../../registry/types';
import { LABEL_BASE_IMAGE_DIGEST, LABEL_RELEASE } from '../model';
import { rfc3339 } from './rewrite';

/**
 * The config of the new payload, as `oc adm release new` resets it: created now, labels only
 * `io.openshift.release=<name>` and the base-image digest, the top layer's diff_id swapped for the new
 * release-manifests layer's, and the history entry of the old top layer replaced by one for the new layer.
 * Everything else of the base (entrypoint, env, os/architecture) is kept.
 */
export function releaseConfig(old: ImageConfig, options: { name: string; newDiffId: string; layerCount: number; now: Date; pullSpec: string }): ImageConfig {
  const diffIds = old.rootfs?.diff_ids ?? [];
  if (diffIds.length !== options.layerCount) {
    throw new OkdError('not-a-payload', `${options.pullSpec} has ${options.layerCount} layers but its config lists ${diffIds.length} diff_ids`, 'the payload image is malformed; rebuild it');
  }
  const created = rfc3339(options.now);
  const oldLabels = old.config?.Labels ?? {};
  const labels: Record<string, string> = { [LABEL_RELEASE]: options.name };
  if (oldLabels[LABEL_BASE_IMAGE_DIGEST]) labels[LABEL_BASE_IMAGE_DIGEST] = oldLabels[LABEL_BASE_IMAGE_DIGEST];

  // Non-empty history entries pair with layers in order; the last of them describes the old top layer.
  let history = [...(old.history ?? [])];
  const nonEmpty = history.filter((h) => !h.empty_layer).length;
  if (nonEmpty === options.layerCount) {
    let last = history.length - 1;
    while (last >= 0 && history[last]?.empty_layer) last--;
    history = history.slice(0, last);
  } else {
    // History that does not pair with the layers cannot be fixed up entry by entry; keep one that does.
    history = Array.from({ length: options.layerCount - 1 }, () => ({ created: old.created ?? created, created_by: 'base layer' }));
  }
  history.push({ created, created_by: 'okd-dev release new', comment: 'Release image for OpenShift' });

  const config: ImageConfig = {
    ...old,
    created,
    config: { ...(old.config ?? {}), Labels: labels },
    rootfs: { type: 'layers', diff_ids: [...diffIds.slice(0, -1), options.newDiffId] },
    history,
  };
  // Docker-era fields that describe the build container of the old image, not this one.
  const loose = config as unknown as Record<string, unknown>;
  delete loose['container'];
  delete loose['container_config'];
  delete loose['parent'];
  return config;
}

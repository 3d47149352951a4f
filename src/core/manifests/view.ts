// The two sides of one object's difference as the editor shows them: the cluster's object, and what applying the
// checkout's manifest makes of it. Pure.
import { loadJsYaml } from '../lazyModules';
import type { ObjectDiff } from './diff';
import { mergeObject } from './merge';
import type { KubeObject } from './objects';

/** Fields the API server keeps for itself: they differ on every object and apply never writes them. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];

function readable(obj: KubeObject): Record<string, unknown> {
  const { status: _status, ...rest } = obj;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const key of SERVER_METADATA) delete metadata[key];
  return { ...rest, metadata };
}

function yaml(obj: Record<string, unknown>): string {
  return loadJsYaml().dump(obj, { noRefs: true, lineWidth: -1, sortKeys: false });
}

export interface ObjectViews {
  /** The live object as YAML ('' when the cluster has none). */
  cluster: string;
  /**
   * What the cluster holds once the checkout's manifest is applied: the live object with the fields the CVO owns
   * written from the manifest (so the difference is exactly what apply changes), or the rendered manifest for an
   * object the cluster does not have.
   */
  checkout: string;
}

export function objectViews(o: Pick<ObjectDiff, 'live' | 'rendered'>): ObjectViews {
  if (!o.live) return { cluster: '', checkout: yaml(readable(o.rendered)) };
  return { cluster: yaml(readable(o.live)), checkout: yaml(readable(mergeObject(o.rendered, o.live))) };
}

import type { ClusterClient } from '../cluster/client';
import type { ComponentOverride } from '../cluster/types';
import { isObject } from '../release/imageReferences';
import { type ApiResource, ObjectApi } from './api';
import { diffObject, type FieldChange, followPatchedImages } from './merge';
import { formatRef, groupOf, type KubeObject, type ObjectRef, refOf } from './objects';
import type { ExcludedObject, RenderedManifests } from './render';

export const CREATE_ONLY_ANNOTATION = 'release.openshift.io/create-only';

/**
 * new: the cluster has no such object; changed: the live object does not hold what the manifest sets in the fields
 * the CVO owns; unchanged: it does; skipped: the cluster cannot take it (its kind is not served).
 */
export type ObjectState = 'new' | 'changed' | 'unchanged' | 'skipped';

export interface ObjectDiff {
  /** Its file in release-manifests/ and in the checkout's manifests/. */
  file: string;
  source: string;
  /** Namespace as the CVO resolves it: '' for cluster-scoped kinds, `default` for a namespaced one naming none. */
  ref: ObjectRef;
  state: ObjectState;
  /** For `changed`: each path where the live object differs, with both values. */
  changes: FieldChange[];
  /** Why it is skipped, or a note (create-only, defined by a CRD of the same manifests). */
  reason?: string;
  /** The override that makes the CVO leave it alone. */
  override: ComponentOverride;
  /** The manifest's object (with a patched workload's live images kept, see followPatchedImages). */
  rendered: KubeObject;
  live?: KubeObject;
}

export interface ManifestsDiff {
  component: string;
  version: string;
  objects: ObjectDiff[];
  excluded: ExcludedObject[];
  warnings: string[];
}

export function overrideFor(ref: ObjectRef): ComponentOverride {
  return { kind: ref.kind, group: groupOf(ref.apiVersion), namespace: ref.namespace, name: ref.name, unmanaged: true };
}

/** Kinds the manifests' own CRDs define (group and kind), so their objects count as new before the CRD exists. */
function kindsDefined(rendered: RenderedManifests): Set<string> {
  const out = new Set<string>();
  for (const { object } of rendered.objects) {
    if (object.kind !== 'CustomResourceDefinition' || groupOf(object.apiVersion) !== 'apiextensions.k8s.io') continue;
    const spec = object['spec'];
    const names = isObject(spec) ? spec['names'] : undefined;
    if (isObject(spec) && isObject(names) && typeof spec['group'] === 'string' && typeof names['kind'] === 'string') out.add(`${names['kind']}.${spec['group']}`);
  }
  return out;
}

function resolveNamespace(obj: KubeObject, r: ApiResource | undefined): ObjectRef {
  const ref = refOf(obj);
  if (!r) return ref;
  return { ...ref, namespace: r.namespaced ? ref.namespace || 'default' : '' };
}

/**
 * Each rendered object against the cluster's: GET by apiVersion, kind, namespace and name (the plural from
 * discovery), then the field-level difference as the CVO sees it (see merge.ts for the rules per kind).
 */
export async function diff(client: ClusterClient | ObjectApi, rendered: RenderedManifests): Promise<ManifestsDiff> {
  const api = client instanceof ObjectApi ? client : new ObjectApi(client);
  const defined = kindsDefined(rendered);
  const objects = await Promise.all(
    rendered.objects.map(async ({ file, source, object }): Promise<ObjectDiff> => {
      const r = await api.resource(object.apiVersion, object.kind);
      const ref = resolveNamespace(object, r);
      const base = { file, source, ref, override: overrideFor(ref), changes: [] as FieldChange[] };
      const manifest: KubeObject = { ...object, metadata: { ...object.metadata, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
      if (!r) {
        if (defined.has(`${object.kind}.${groupOf(object.apiVersion)}`)) return { ...base, state: 'new', rendered: manifest, reason: 'its CustomResourceDefinition is in these manifests' };
        return { ...base, state: 'skipped', rendered: manifest, reason: `the cluster does not serve ${object.kind} in ${object.apiVersion}` };
      }
      const live = await api.get(ref);
      if (!live) return { ...base, state: 'new', rendered: manifest };
      const wanted = followPatchedImages(manifest, live);
      if (object.metadata.annotations?.[CREATE_ONLY_ANNOTATION] === 'true') {
        return { ...base, state: 'unchanged', rendered: wanted, live, reason: `${CREATE_ONLY_ANNOTATION}: the CVO does not update it` };
      }
      const changes = diffObject(wanted, live);
      return { ...base, state: changes.length ? 'changed' : 'unchanged', changes, rendered: wanted, live };
    }),
  );
  return { component: rendered.component, version: rendered.version, objects, excluded: rendered.excluded, warnings: rendered.warnings };
}

/** The diff as JSON for `-o json` and the editor: no whole objects, only what differs. */
export function diffSummary(d: ManifestsDiff): {
  component: string;
  version: string;
  objects: { object: string; file: string; source: string; state: ObjectState; changes: FieldChange[]; reason?: string; ref: ObjectRef }[];
  excluded: ExcludedObject[];
  warnings: string[];
} {
  return {
    component: d.component,
    version: d.version,
    objects: d.objects.map((o) => ({ object: formatRef(o.ref), file: o.file, source: o.source, state: o.state, changes: o.changes, ...(o.reason ? { reason: o.reason } : {}), ref: o.ref })),
    excluded: d.excluded,
    warnings: d.warnings,
  };
}

function short(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The diff as text: one line per object, then its changed paths with the live and the manifest's value. */
export function renderDiff(d: ManifestsDiff): string {
  const lines: string[] = [`Manifests of ${d.component} rendered for release ${d.version}:`];
  const mark: Record<ObjectState, string> = { new: '+', changed: '~', unchanged: '=', skipped: '!' };
  for (const o of d.objects) {
    lines.push(`  ${mark[o.state]} ${o.state.padEnd(9)} ${formatRef(o.ref)}  (${o.source})${o.reason ? `: ${o.reason}` : ''}`);
    for (const c of o.changes) lines.push(`      ${c.path}: ${short(c.live)} -> ${short(c.rendered)}`);
  }
  for (const e of d.excluded) lines.push(`  - excluded  ${e.object}  (${e.file}): ${e.reason}`);
  for (const w of d.warnings) lines.push(`warning: ${w}`);
  const count = (s: ObjectState) => d.objects.filter((o) => o.state === s).length;
  lines.push(`${count('new')} new, ${count('changed')} changed, ${count('unchanged')} unchanged${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
  return lines.join('\n');
}

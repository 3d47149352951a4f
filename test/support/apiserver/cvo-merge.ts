// How the CVO decides what to write: override matching, and the resourcemerge of a payload manifest into the live
// object (it owns images, env, args, command and replicas; it adds but never removes labels and annotations).
import type { KubeObject } from './store';
import { clone, deepEqual } from './store';

export interface ComponentOverride {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  unmanaged: boolean;
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export function isUnmanaged(overrides: ComponentOverride[] | undefined, obj: KubeObject): boolean {
  return (overrides ?? []).some(
    (o) =>
      o.unmanaged === true &&
      o.kind === obj.kind &&
      o.group === groupOf(obj.apiVersion) &&
      o.namespace === (obj.metadata.namespace ?? '') &&
      o.name === obj.metadata.name,
  );
}

interface Container {
  name: string;
  [k: string]: unknown;
}

const OWNED_CONTAINER_FIELDS = ['image', 'env', 'args', 'command'];

function mergeContainers(existing: Container[] | undefined, required: Container[] | undefined): Container[] | undefined {
  if (!required) return existing;
  return required.map((r) => {
    const out: Container = { ...(existing?.find((e) => e.name === r.name) ?? clone(r)) };
    for (const f of OWNED_CONTAINER_FIELDS) {
      if (r[f] === undefined) delete out[f];
      else out[f] = clone(r[f]);
    }
    return out;
  });
}

function mergeMap(existing: Record<string, string> | undefined, required: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!required) return existing;
  return { ...(existing ?? {}), ...required };
}

/** The object the CVO would write, or undefined when the live object already satisfies the manifest. */
export function mergeForApply(existing: KubeObject, required: KubeObject): KubeObject | undefined {
  const out = clone(existing);
  const labels = mergeMap(out.metadata.labels, required.metadata.labels);
  const annotations = mergeMap(out.metadata.annotations, required.metadata.annotations);
  if (labels) out.metadata.labels = labels;
  if (annotations) out.metadata.annotations = annotations;
  if (required.kind === 'Deployment') {
    const spec = out.spec ?? {};
    const want = required.spec ?? {};
    if (want.replicas !== undefined) spec.replicas = want.replicas;
    const tmpl = (spec.template ??= {});
    tmpl.metadata ??= {};
    const tl = mergeMap(tmpl.metadata.labels, want.template?.metadata?.labels);
    const ta = mergeMap(tmpl.metadata.annotations, want.template?.metadata?.annotations);
    if (tl) tmpl.metadata.labels = tl;
    if (ta) tmpl.metadata.annotations = ta;
    tmpl.spec ??= {};
    const c = mergeContainers(tmpl.spec.containers, want.template?.spec?.containers);
    const ic = mergeContainers(tmpl.spec.initContainers, want.template?.spec?.initContainers);
    if (c) tmpl.spec.containers = c;
    if (ic) tmpl.spec.initContainers = ic;
    out.spec = spec;
  }
  const same = deepEqual({ m: out.metadata, s: out.spec }, { m: existing.metadata, s: existing.spec });
  return same ? undefined : out;
}

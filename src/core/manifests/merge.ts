// How the CVO decides what of an object is its own (openshift/cluster-version-operator lib/resourcemerge), as pure
// functions: which fields of a manifest it writes for each kind, whether the live object already holds them, and
// the object it would write. The test cluster's CVO (test/cluster/merge.go) follows the same rules generically.
import { isDeepStrictEqual } from 'node:util';
import { isObject } from '../release/imageReferences';
import { groupOf, type KubeObject } from './objects';

/** One step of a field path: a map key, or the item of a list of named objects (containers, env) with that name. */
export type PathSegment = string | { name: string };

/** A unit of an object the CVO owns: written (and recorded, and restored) as a whole. */
export interface OwnedField {
  path: PathSegment[];
  /** 'replace': the manifest's value replaces the live one; 'merge': merged into it (maps key by key). */
  how: 'replace' | 'merge';
}

export interface FieldChange {
  /** `rules`, `spec.versions[v1].schema.openAPIV3Schema.properties.spec.properties.logLevel`, ... */
  path: string;
  /** The live value there (absent: the live object has none). */
  live?: unknown;
  /** What the manifest wants there. */
  rendered: unknown;
}

const CONTAINER_LISTS = ['initContainers', 'containers'] as const;
const CONTAINER_FIELDS = ['env', 'args', 'command'] as const;
const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const s of path) out = typeof s === 'string' ? keyStep(out, s) : `${out}[${s.name}]`;
  return out;
}

/** The value at `path`, undefined when any step is missing. */
export function getPath(obj: unknown, path: readonly PathSegment[]): unknown {
  let at: unknown = obj;
  for (const s of path) {
    if (typeof s === 'string') {
      if (!isObject(at)) return undefined;
      at = at[s];
    } else {
      if (!Array.isArray(at)) return undefined;
      at = at.find((item) => isObject(item) && item['name'] === s.name);
    }
    if (at === undefined) return undefined;
  }
  return at;
}

/** Sets `path` to `value` (creating maps and named items on the way); undefined deletes the key or the named item. */
export function setPath(obj: Record<string, unknown>, path: readonly PathSegment[], value: unknown): void {
  let at: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    const s = path[i] as PathSegment;
    const last = i === path.length - 1;
    const next = path[i + 1];
    if (typeof s === 'string') {
      const map = at as Record<string, unknown>;
      if (last) {
        if (value === undefined) delete map[s];
        else map[s] = value;
        return;
      }
      if (map[s] === undefined || map[s] === null) {
        if (value === undefined) return;
        map[s] = typeof next === 'string' ? {} : [];
      }
      at = map[s];
    } else {
      const list = at as unknown[];
      const index = list.findIndex((item) => isObject(item) && item['name'] === s.name);
      if (last) {
        if (value === undefined) {
          if (index >= 0) list.splice(index, 1);
        } else if (index >= 0) list[index] = value;
        else list.push(value);
        return;
      }
      if (index < 0) {
        if (value === undefined) return;
        list.push({ name: s.name });
        at = list[list.length - 1];
      } else {
        at = list[index];
      }
    }
  }
}

function isZero(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isZero);
  return v === '' || v === 0 || v === false;
}

/**
 * Does `live` hold `required`: maps hold every key of required (extra keys are the API server's defaults or
 * another writer's and do not count), lists have the same length and hold each item in order, scalars are equal;
 * a missing live value holds a zero required value ("", 0, false, {}, []), since the API server drops those.
 */
export function holds(live: unknown, required: unknown): boolean {
  if (required === null || required === undefined) return true;
  if (Array.isArray(required)) {
    if (!Array.isArray(live)) return (live === null || live === undefined) && required.length === 0;
    return live.length === required.length && required.every((r, i) => holds(live[i], r));
  }
  if (isObject(required)) {
    if (!isObject(live)) return (live === null || live === undefined) && isZero(required);
    return Object.entries(required).every(([k, v]) => holds(live[k], v));
  }
  if (live === null || live === undefined) return isZero(required);
  return live === required;
}

function keyStep(where: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return where ? `${where}.${key}` : key;
  return `${where}[${JSON.stringify(key)}]`;
}

/** The paths under `where` at which `live` does not hold `required`, as precise as the shapes allow. */
export function changedPaths(live: unknown, required: unknown, where: string, out: FieldChange[] = []): FieldChange[] {
  if (holds(live, required)) return out;
  if (isObject(required) && isObject(live)) {
    for (const [k, v] of Object.entries(required)) changedPaths(live[k], v, keyStep(where, k), out);
  } else if (Array.isArray(required) && Array.isArray(live) && live.length === required.length) {
    required.forEach((r, i) => {
      const l = live[i];
      // Items matched by position: named where both sides name the same item, by index otherwise.
      const name = isObject(r) && typeof r['name'] === 'string' && isObject(l) && l['name'] === r['name'] ? r['name'] : undefined;
      changedPaths(l, r, `${where}[${name ?? i}]`, out);
    });
  } else {
    out.push({ path: where, ...(live === undefined ? {} : { live }), rendered: required });
  }
  return out;
}

/** merge.go's mergeValue: maps merged key by key, anything else replaced when the live value does not hold it. */
export function mergeInto(live: unknown, required: unknown): unknown {
  if (required === null || required === undefined) return live;
  if (isObject(required) && isObject(live)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(required)) {
      const merged = mergeInto(live[k], v);
      if (merged !== undefined) out[k] = merged;
    }
    return out;
  }
  return holds(live, required) ? live : structuredClone(required);
}

function podSpecPath(kind: string): PathSegment[] {
  return kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
}

function isWorkload(obj: KubeObject): boolean {
  return groupOf(obj.apiVersion) === 'apps' && WORKLOAD_KINDS.has(obj.kind);
}

/**
 * The fields of `rendered` the CVO owns on the live object (`live` tells which containers exist there):
 * - every kind: the labels and annotations the manifest sets, key by key;
 * - CustomResourceDefinition: spec; Role: rules; ClusterRole: rules and aggregationRule; RoleBinding and
 *   ClusterRoleBinding: roleRef and subjects; ConfigMap: the keys of data and binaryData the manifest sets;
 * - Deployment, DaemonSet, StatefulSet: each container's env, args and command the manifest sets (a container the
 *   live object lacks: the whole container);
 * - any other kind: every top-level field the manifest sets, merged (as the test cluster's CVO does).
 */
export function ownedFields(rendered: KubeObject, live: KubeObject | undefined): OwnedField[] {
  const out: OwnedField[] = [];
  for (const key of ['labels', 'annotations'] as const) {
    for (const k of Object.keys(rendered.metadata[key] ?? {})) out.push({ path: ['metadata', key, k], how: 'replace' });
  }
  const group = groupOf(rendered.apiVersion);
  const top = (...keys: string[]) => {
    for (const k of keys) if (rendered[k] !== undefined) out.push({ path: [k], how: 'replace' });
  };
  if (group === 'apiextensions.k8s.io' && rendered.kind === 'CustomResourceDefinition') top('spec');
  else if (group === 'rbac.authorization.k8s.io' && rendered.kind === 'Role') top('rules');
  else if (group === 'rbac.authorization.k8s.io' && rendered.kind === 'ClusterRole') top('rules', 'aggregationRule');
  else if (group === 'rbac.authorization.k8s.io' && (rendered.kind === 'RoleBinding' || rendered.kind === 'ClusterRoleBinding')) top('roleRef', 'subjects');
  else if (group === '' && rendered.kind === 'ConfigMap') {
    for (const key of ['data', 'binaryData']) {
      const map = rendered[key];
      if (isObject(map)) for (const k of Object.keys(map)) out.push({ path: [key, k], how: 'replace' });
    }
  } else if (isWorkload(rendered)) {
    const pod = podSpecPath(rendered.kind);
    for (const list of CONTAINER_LISTS) {
      const containers = getPath(rendered, [...pod, list]);
      if (!Array.isArray(containers)) continue;
      for (const c of containers) {
        if (!isObject(c) || typeof c['name'] !== 'string') continue;
        const at: PathSegment[] = [...pod, list, { name: c['name'] }];
        if (live && getPath(live, at) === undefined) {
          out.push({ path: at, how: 'replace' });
          continue;
        }
        for (const f of CONTAINER_FIELDS) if (c[f] !== undefined) out.push({ path: [...at, f], how: 'replace' });
      }
    }
  } else {
    for (const k of Object.keys(rendered)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) out.push({ path: [k], how: 'merge' });
  }
  return out;
}

/**
 * A workload patched by `okd-dev cluster patch` runs another image than its manifest, and carries that image in
 * the env vars that carried the payload's (OPERATOR_IMAGE): the manifest is compared and written with the live
 * image in those places, so applying manifests keeps the patch.
 */
export function followPatchedImages(rendered: KubeObject, live: KubeObject | undefined): KubeObject {
  if (!live || !isWorkload(rendered)) return rendered;
  const pod = podSpecPath(rendered.kind);
  const swaps = new Map<string, string>();
  for (const list of CONTAINER_LISTS) {
    const containers = getPath(rendered, [...pod, list]);
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      if (!isObject(c) || typeof c['name'] !== 'string' || typeof c['image'] !== 'string') continue;
      const liveImage = getPath(live, [...pod, list, { name: c['name'] }, 'image']);
      if (typeof liveImage === 'string' && liveImage !== c['image']) swaps.set(c['image'], liveImage);
    }
  }
  if (!swaps.size) return rendered;
  const out = structuredClone(rendered);
  for (const list of CONTAINER_LISTS) {
    const containers = getPath(out, [...pod, list]);
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      if (!isObject(c)) continue;
      if (typeof c['image'] === 'string' && swaps.has(c['image'])) c['image'] = swaps.get(c['image']);
      if (Array.isArray(c['env'])) {
        for (const e of c['env']) if (isObject(e) && typeof e['value'] === 'string' && swaps.has(e['value'])) e['value'] = swaps.get(e['value']);
      }
    }
  }
  return out;
}

/** Where the live object does not hold what the manifest sets in the fields the CVO owns. */
export function diffObject(rendered: KubeObject, live: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of ownedFields(rendered, live)) changedPaths(getPath(live, field.path), getPath(rendered, field.path), formatPath(field.path), out);
  return out;
}

/** The live object with the manifest's owned fields written in: what the CVO would write, and what apply writes. */
export function mergeObject(rendered: KubeObject, live: KubeObject): KubeObject {
  const out = structuredClone(live);
  for (const field of ownedFields(rendered, live)) {
    const want = getPath(rendered, field.path);
    const have = getPath(out, field.path);
    if (holds(have, want)) continue;
    setPath(out, field.path, field.how === 'merge' ? mergeInto(have, want) : structuredClone(want));
  }
  return out;
}

/** A field of the live object as it was before apply wrote it (null: it had none). */
export interface PreviousField {
  path: PathSegment[];
  value: unknown;
}

/** The live values of the fields apply is about to write, to put back on restore. */
export function previousFields(rendered: KubeObject, live: KubeObject): PreviousField[] {
  return ownedFields(rendered, live).map((f) => {
    const value = getPath(live, f.path);
    return { path: f.path, value: value === undefined ? null : structuredClone(value) };
  });
}

/** The object with the recorded fields put back (null ones removed). */
export function putBack(live: KubeObject, previous: readonly PreviousField[]): KubeObject {
  const out = structuredClone(live);
  for (const p of previous) setPath(out, p.path, p.value === null ? undefined : structuredClone(p.value));
  return out;
}

/**
 * Are the recorded fields back, exactly (null: absent)? Exact, not `holds`: the recorded values are live values
 * (server defaults included), and a field apply added inside them (a CRD property) must be gone too.
 */
export function holdsPrevious(live: KubeObject, previous: readonly PreviousField[]): boolean {
  return previous.every((p) => {
    const have = getPath(live, p.path);
    return p.value === null ? have === undefined : isDeepStrictEqual(have, p.value);
  });
}

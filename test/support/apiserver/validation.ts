// Schema checks the real ClusterVersion CRD makes (fixtures/clusterversion/...-Default.crd.yaml): spec.clusterID is
// required, and spec.overrides is a list-map keyed on kind/group/namespace/name whose items need all five fields.
import { errors, type StatusCause } from './errors';
import type { ResourceDef } from './resources';
import type { KubeObject } from './store';

type Cause = Required<Pick<StatusCause, 'reason' | 'message' | 'field'>>;

const OVERRIDE_FIELDS: Array<[string, 'string' | 'boolean']> = [
  ['group', 'string'],
  ['kind', 'string'],
  ['name', 'string'],
  ['namespace', 'string'],
  ['unmanaged', 'boolean'],
];
const LIST_MAP_KEYS = ['kind', 'group', 'namespace', 'name'];

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeError(field: string, v: unknown, want: string): Cause {
  const t = jsonType(v);
  return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${t}": ${field} in body must be of type ${want}: "${t}"` };
}

/** Go's %#v of a map[string]interface{}, which is how the API server prints a duplicate list-map key. */
function goMap(entries: Record<string, unknown>): string {
  const body = Object.keys(entries)
    .sort()
    .map((k) => `"${k}":${JSON.stringify(entries[k])}`)
    .join(', ');
  return `map[string]interface {}{${body}}`;
}

export function validateClusterVersion(obj: KubeObject): Cause[] {
  const causes: Cause[] = [];
  const spec = obj.spec;
  if (spec === undefined || spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }];
  }
  if (spec.clusterID === undefined) causes.push({ reason: 'FieldValueRequired', field: 'spec.clusterID', message: 'Required value' });
  else if (typeof spec.clusterID !== 'string') causes.push(typeError('spec.clusterID', spec.clusterID, 'string'));
  const overrides = spec.overrides;
  if (overrides === undefined || overrides === null) return causes;
  if (!Array.isArray(overrides)) return [...causes, typeError('spec.overrides', overrides, 'array')];
  const seen = new Map<string, number>();
  overrides.forEach((item: unknown, i: number) => {
    const base = `spec.overrides[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      causes.push(typeError(base, item, 'object'));
      return;
    }
    const o = item as Record<string, unknown>;
    for (const [f] of OVERRIDE_FIELDS) {
      if (o[f] === undefined) causes.push({ reason: 'FieldValueRequired', field: `${base}.${f}`, message: 'Required value' });
    }
    for (const [f, t] of OVERRIDE_FIELDS) {
      if (o[f] !== undefined && jsonType(o[f]) !== t) causes.push(typeError(`${base}.${f}`, o[f], t));
    }
    const keyEntries = Object.fromEntries(LIST_MAP_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
    const key = JSON.stringify(LIST_MAP_KEYS.map((k) => o[k]));
    if (seen.has(key)) causes.push({ reason: 'FieldValueDuplicate', field: base, message: `Duplicate value: ${goMap(keyEntries)}` });
    else seen.set(key, i);
  });
  return causes;
}

export function validate(def: ResourceDef, obj: KubeObject): void {
  if (def.kind !== 'ClusterVersion') return;
  const causes = validateClusterVersion(obj);
  if (causes.length > 0) throw errors.invalid(def, obj.metadata.name, causes);
}

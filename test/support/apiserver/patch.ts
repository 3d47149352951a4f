// The three patch types the API server accepts for these resources: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902, with error texts of the evanphx/json-patch library the API server uses) and a strategic merge patch
// covering the list merge keys of pod templates.
import { errors } from './errors';
import { clone, deepEqual } from './store';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return clone(patch as Json);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.patchNotApplied(`invalid path: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lookup(doc: Json, tokens: string[]): { parent: Json; key: string } | undefined {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, path: string): Json | undefined {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const loc = lookup(doc, tokens);
  if (!loc) return undefined;
  if (Array.isArray(loc.parent)) return /^\d+$/.test(loc.key) ? loc.parent[Number(loc.key)] : undefined;
  if (isObject(loc.parent)) return loc.parent[loc.key];
  return undefined;
}

function removeAt(doc: Json, path: string, op: string): Json {
  const loc = lookup(doc, parsePointer(path));
  const missing = () => errors.patchNotApplied(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  if (!loc) throw missing();
  if (Array.isArray(loc.parent)) {
    const i = Number(loc.key);
    if (!/^\d+$/.test(loc.key) || i >= loc.parent.length) throw missing();
    return loc.parent.splice(i, 1)[0];
  }
  if (isObject(loc.parent) && loc.key in loc.parent) {
    const v = loc.parent[loc.key];
    delete loc.parent[loc.key];
    return v;
  }
  throw missing();
}

function addAt(doc: Json, path: string, value: Json, op: string): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const loc = lookup(doc, tokens);
  const missing = () => errors.patchNotApplied(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  if (!loc) throw missing();
  if (Array.isArray(loc.parent)) {
    const i = loc.key === '-' ? loc.parent.length : Number(loc.key);
    if (!(loc.key === '-' || /^\d+$/.test(loc.key)) || i > loc.parent.length) {
      throw errors.patchNotApplied(`${op} operation does not apply: doc is missing path: "${path}": invalid index`);
    }
    loc.parent.splice(i, 0, value);
  } else if (isObject(loc.parent)) {
    loc.parent[loc.key] = value;
  } else throw missing();
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): Json {
  if (!Array.isArray(ops)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target as Json);
  for (const raw of ops as JsonPatchOp[]) {
    const { op, path } = raw;
    if (typeof path !== 'string') throw errors.patchNotApplied(`${op} operation does not apply: doc is missing path: ""`);
    switch (op) {
      case 'add':
        doc = addAt(doc, path, clone(raw.value ?? null), 'add');
        break;
      case 'remove':
        removeAt(doc, path, 'remove');
        break;
      case 'replace': {
        if (getAt(doc, path) === undefined) {
          throw errors.patchNotApplied(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        }
        if (path === '') doc = clone(raw.value ?? null);
        else {
          removeAt(doc, path, 'replace');
          doc = addAt(doc, path, clone(raw.value ?? null), 'replace');
        }
        break;
      }
      case 'move': {
        const v = removeAt(doc, raw.from ?? '', 'move');
        doc = addAt(doc, path, v, 'move');
        break;
      }
      case 'copy': {
        const v = getAt(doc, raw.from ?? '');
        if (v === undefined) throw errors.patchNotApplied(`copy operation does not apply: doc is missing from path: "${raw.from}": missing value`);
        doc = addAt(doc, path, clone(v), 'copy');
        break;
      }
      case 'test': {
        const v = getAt(doc, path);
        const ok = v === undefined ? raw.value === null || raw.value === undefined : deepEqual(v, raw.value);
        if (!ok) throw errors.patchNotApplied(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw errors.badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

/** Lists merged by key in a strategic merge patch (the patchMergeKey tags of k8s.io/api for the fields we serve). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
};

export function strategicMergePatch(target: unknown, patch: unknown): Json {
  return smpObject(isObject(target) ? target : {}, isObject(patch) ? patch : {});
}

function smpObject(target: JsonObject, patch: JsonObject): JsonObject {
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return clone(rest);
  }
  const out = clone(target);
  const orders: Record<string, Json[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders[k.slice('$setElementOrder/'.length)] = v;
      continue;
    }
    if (k.startsWith('$')) continue; // $retainKeys and friends: not needed by our clients
    if (v === null) delete out[k];
    else if (Array.isArray(v) && MERGE_KEYS[k] && (Array.isArray(out[k]) || out[k] === undefined)) {
      out[k] = smpList((out[k] as Json[] | undefined) ?? [], v, MERGE_KEYS[k]);
    } else if (isObject(v) && isObject(out[k])) out[k] = smpObject(out[k] as JsonObject, v);
    else if (isObject(v)) out[k] = smpObject({}, v);
    else out[k] = clone(v);
  }
  for (const [k, order] of Object.entries(orders)) {
    const list = out[k];
    const key = MERGE_KEYS[k];
    if (!Array.isArray(list) || !key) continue;
    const rank = (e: Json) => order.findIndex((o) => isObject(o) && isObject(e) && o[key] === e[key]);
    out[k] = [...list].sort((a, b) => (rank(a) < 0 ? 1e9 : rank(a)) - (rank(b) < 0 ? 1e9 : rank(b)));
  }
  return out;
}

function smpList(target: Json[], patch: Json[], key: string): Json[] {
  const out = clone(target);
  for (const el of patch) {
    if (!isObject(el)) continue;
    const i = out.findIndex((o) => isObject(o) && o[key] === el[key]);
    if (el.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = smpObject(out[i] as JsonObject, el);
    else out.push(smpObject({}, el));
  }
  return out;
}

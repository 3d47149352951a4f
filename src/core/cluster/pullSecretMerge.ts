// Adding the user's credentials for one registry (or repository) to the cluster's global pull secret, and taking
// them out again: pure functions from the Secret to a JSON patch. Every other entry is kept as it is; the patch is
// guarded by `test` ops on the resourceVersion and the data it replaces, so a concurrent writer makes it fail
// instead of being overwritten. What undo needs is kept on the secret itself (so restore works from any machine):
// an annotation naming the keys added (no secret in it: `kubectl describe` prints annotations), and a data key
// holding the entries they replaced and the exact bytes from before the first change.
import { createHash } from 'node:crypto';
import { OkdError } from '../errors';
import { DOCKER_CONFIG_JSON_KEY } from './pullSecretKeyring';
import { type JsonPatchOp, type ObjectMeta, pointerSegment } from './types';

export const GLOBAL_PULL_SECRET = { namespace: 'openshift-config', name: 'pull-secret' } as const;
/** On the global pull secret: JSON PullSecretRecord, the keys okd-dev added. */
export const PULL_SECRET_RECORD_ANNOTATION = 'okd-dev.openshift.io/pull-secret-entries';
/** A data key of the global pull secret: JSON UndoData (it holds credentials, so it lives in `data`). */
export const PULL_SECRET_UNDO_KEY = 'okd-dev.pull-secret-undo';

export interface Secret {
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}

/** The user's own credentials for a registry, as their auth file holds them. */
export interface UserAuth {
  username: string;
  password: string;
}

/** The annotation: which keys okd-dev added and when. */
export interface PullSecretRecord {
  keys: string[];
  changedAt: string;
}

interface UndoData {
  /** base64 of `.dockerconfigjson` before the first change; dropped once someone else changed it since. */
  original?: string;
  /** sha256 of the `.dockerconfigjson` we last wrote (is the secret still as we left it?). */
  wrote: string;
  /** Per key: the entry it had before (null: none), and the sha256 of the entry we wrote. */
  entries: Record<string, { previous: unknown; wrote: string }>;
}

export interface PullSecretChange {
  /** Empty when nothing changes (the entry already holds these credentials). */
  ops: JsonPatchOp[];
  changed: boolean;
  /** The `.dockerconfigjson` text after the patch. */
  dockerconfigjson: string;
  record?: PullSecretRecord;
}

export interface PullSecretUndo extends PullSecretChange {
  /** Keys put back as they were (their previous entry, or removed). */
  restored: string[];
  /** Keys someone changed since we wrote them: their entry is left as it is now. */
  left: string[];
  /** The whole `.dockerconfigjson` is back byte for byte. */
  exact: boolean;
}

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function parseConfig(text: string, what: string): Record<string, unknown> & { auths: Record<string, unknown> } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new OkdError('invalid-input', `${what} is not valid JSON`, 'fix its .dockerconfigjson first');
  }
  if (!isObject(doc) || (doc.auths !== undefined && !isObject(doc.auths))) throw new OkdError('invalid-input', `${what} is not a docker config ("auths" is not an object)`);
  return { ...doc, auths: (doc.auths as Record<string, unknown> | undefined) ?? {} };
}

function readUndo(secret: Secret): UndoData | undefined {
  const raw = secret.data?.[PULL_SECRET_UNDO_KEY];
  if (!raw) return undefined;
  try {
    const undo = JSON.parse(unb64(raw)) as UndoData;
    return isObject(undo) && isObject(undo.entries) && typeof undo.wrote === 'string' ? undo : undefined;
  } catch {
    return undefined;
  }
}

/** The record okd-dev left on the global pull secret, if any. */
export function readPullSecretRecord(secret: Secret): PullSecretRecord | undefined {
  const text = secret.metadata.annotations?.[PULL_SECRET_RECORD_ANNOTATION];
  if (!text) return undefined;
  try {
    const record = JSON.parse(text) as PullSecretRecord;
    return isObject(record) && Array.isArray(record.keys) ? record : undefined;
  } catch {
    return undefined;
  }
}

function sameCredentials(entry: unknown, auth: UserAuth): boolean {
  if (!isObject(entry)) return false;
  if (typeof entry.auth === 'string' && entry.auth) return unb64(entry.auth) === `${auth.username}:${auth.password}`;
  return entry.username === auth.username && entry.password === auth.password;
}

/** The ops that guard a change and write the new data, undo data and record. */
function writeOps(secret: Secret, text: string, undo: UndoData | undefined, record: PullSecretRecord | undefined): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const current = secret.data?.[DOCKER_CONFIG_JSON_KEY];
  if (secret.metadata.resourceVersion) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: secret.metadata.resourceVersion });
  if (current !== undefined) ops.push({ op: 'test', path: `/data/${DOCKER_CONFIG_JSON_KEY}`, value: current });
  const data: Record<string, string> = { [DOCKER_CONFIG_JSON_KEY]: b64(text) };
  if (undo) data[PULL_SECRET_UNDO_KEY] = b64(JSON.stringify(undo));
  if (!secret.data) {
    ops.push({ op: 'add', path: '/data', value: data });
  } else {
    for (const [key, value] of Object.entries(data)) ops.push({ op: 'add', path: `/data/${pointerSegment(key)}`, value });
    if (!undo && secret.data[PULL_SECRET_UNDO_KEY] !== undefined) ops.push({ op: 'remove', path: `/data/${pointerSegment(PULL_SECRET_UNDO_KEY)}` });
  }
  const annotations = secret.metadata.annotations;
  if (record) {
    const value = JSON.stringify(record);
    if (!annotations) ops.push({ op: 'add', path: '/metadata/annotations', value: { [PULL_SECRET_RECORD_ANNOTATION]: value } });
    else ops.push({ op: 'add', path: `/metadata/annotations/${pointerSegment(PULL_SECRET_RECORD_ANNOTATION)}`, value });
  } else if (annotations?.[PULL_SECRET_RECORD_ANNOTATION] !== undefined) {
    ops.push({ op: 'remove', path: `/metadata/annotations/${pointerSegment(PULL_SECRET_RECORD_ANNOTATION)}` });
  }
  return ops;
}

/**
 * Adds or replaces the entry `key` (`quay.io`, or `quay.io/me/operator` to cover only that repository: the kubelet
 * tries the longest matching key first, so the cluster's own `quay.io` entry keeps serving everything else) with
 * `auth`, keeping every other entry and top-level field. The undo data remembers the entry it replaced.
 */
export function mergeGlobalPullSecret(secret: Secret, key: string, auth: UserAuth, now: Date = new Date()): PullSecretChange {
  if (!key || /\s/.test(key)) throw new OkdError('invalid-input', `"${key}" is not a registry key for a pull secret`);
  const currentB64 = secret.data?.[DOCKER_CONFIG_JSON_KEY];
  const currentText = currentB64 !== undefined ? unb64(currentB64) : '{"auths":{}}';
  const doc = parseConfig(currentText, `secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}`);
  const existing = doc.auths[key];
  if (sameCredentials(existing, auth)) return { ops: [], changed: false, dockerconfigjson: currentText, ...withRecord(readPullSecretRecord(secret)) };
  const entry = { auth: b64(`${auth.username}:${auth.password}`) };
  doc.auths[key] = entry;
  const text = JSON.stringify(doc);
  const before = readUndo(secret);
  // Someone wrote the secret after us: the bytes from before our first change are no longer a safe restore.
  const originalStillValid = before ? before.original !== undefined && sha(currentText) === before.wrote : true;
  const original = before ? (originalStillValid ? before.original : undefined) : (currentB64 ?? '');
  const entries = { ...(before?.entries ?? {}) };
  entries[key] = { previous: entries[key] ? entries[key].previous : (existing ?? null), wrote: sha(JSON.stringify(entry)) };
  const undo: UndoData = { ...(original !== undefined ? { original } : {}), wrote: sha(text), entries };
  const record: PullSecretRecord = { keys: Object.keys(entries), changedAt: now.toISOString() };
  return { ops: writeOps(secret, text, undo, record), changed: true, dockerconfigjson: text, record };
}

const withRecord = (record: PullSecretRecord | undefined) => (record ? { record } : {});

/**
 * Takes out what mergeGlobalPullSecret added for `keys` (default: every key it recorded): each entry gets back the
 * value it had, or goes when it had none. When every key goes and nobody wrote the secret since, the whole
 * `.dockerconfigjson` is put back byte for byte. An entry someone changed since is left as it is now.
 */
export function planGlobalPullSecretUndo(secret: Secret, keys?: string[], now: Date = new Date()): PullSecretUndo {
  const undo = readUndo(secret);
  const currentB64 = secret.data?.[DOCKER_CONFIG_JSON_KEY];
  const currentText = currentB64 !== undefined ? unb64(currentB64) : '{"auths":{}}';
  const recorded = undo ? Object.keys(undo.entries) : [];
  const chosen = keys ? recorded.filter((k) => keys.includes(k)) : recorded;
  if (!undo || chosen.length === 0) {
    const stale = !undo && (readPullSecretRecord(secret) !== undefined || secret.data?.[PULL_SECRET_UNDO_KEY] !== undefined);
    return { ops: stale ? writeOps(secret, currentText, undefined, undefined) : [], changed: stale, dockerconfigjson: currentText, restored: [], left: [], exact: false };
  }
  const remaining = recorded.filter((k) => !chosen.includes(k));
  if (remaining.length === 0 && undo.original !== undefined && sha(currentText) === undo.wrote) {
    const originalText = unb64(undo.original);
    const ops = writeOps(secret, originalText, undefined, undefined);
    if (undo.original === '') {
      // There was no .dockerconfigjson before: take ours out again.
      const i = ops.findIndex((o) => o.path === `/data/${DOCKER_CONFIG_JSON_KEY}` && o.op === 'add');
      if (i >= 0) ops[i] = { op: 'remove', path: `/data/${DOCKER_CONFIG_JSON_KEY}` };
    }
    return { ops, changed: true, dockerconfigjson: originalText, restored: chosen, left: [], exact: true };
  }
  const doc = parseConfig(currentText, `secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}`);
  const restored: string[] = [];
  const left: string[] = [];
  for (const key of chosen) {
    const mine = undo.entries[key] as UndoData['entries'][string];
    const current = doc.auths[key];
    if (current === undefined || sha(JSON.stringify(current)) !== mine.wrote) {
      left.push(key);
      continue;
    }
    if (mine.previous === null || mine.previous === undefined) delete doc.auths[key];
    else doc.auths[key] = mine.previous;
    restored.push(key);
  }
  // Nothing put back: the bytes stay as they are.
  const text = restored.length ? JSON.stringify(doc) : currentText;
  const entries = Object.fromEntries(remaining.map((k) => [k, undo.entries[k] as UndoData['entries'][string]]));
  const next: UndoData | undefined = remaining.length ? { wrote: sha(text), entries } : undefined;
  const record = next ? { keys: remaining, changedAt: now.toISOString() } : undefined;
  return { ops: writeOps(secret, text, next, record), changed: true, dockerconfigjson: text, ...withRecord(record), restored, left, exact: false };
}

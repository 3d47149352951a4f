import type { ClusterClient } from './client';
import type { ClusterWhere } from './errors';
import { patchedSelector } from './restore';
import { buildClusterStatus, type ClusterStatus, STATUS_READS, type UnreadablePart, unreadablePart } from './status';
import { type OperandStatusInput, readOperandStatusInput } from './statusOperands';
import { type ClusterOperator, type ClusterVersion, PATCHABLE_KINDS, type PatchableKind, type PatchableWorkload } from './types';
import { isUnservedCollection, listWorkloads } from './workloads';

/**
 * The status read part by part, for a view that shows what the user may read: the ClusterVersion, the
 * ClusterOperators, okd-dev's patched Deployments and DaemonSets, and its operand patches. A part the user may not read (403) is named
 * in `unreadable` instead of failing the whole status; a 401, an unreachable server or any other failure still
 * fails it (one error for the whole view, with Retry).
 */
export type StatusPart = 'clusterVersion' | 'clusterOperators' | PatchableKind | 'operands';

export const STATUS_PARTS: readonly StatusPart[] = ['clusterVersion', 'clusterOperators', ...PATCHABLE_KINDS, 'operands'];

export interface LiveStatus {
  cv?: ClusterVersion;
  cos?: ClusterOperator[];
  /** Our patched workloads by kind; a kind absent here is unreadable (or not read yet). */
  patched: Partial<Record<PatchableKind, PatchableWorkload[]>>;
  /** Our operand patches' objects and the workloads that may run the operand (absent: unreadable or not read yet). */
  operands?: OperandStatusInput;
  unreadable: Partial<Record<StatusPart, UnreadablePart>>;
}

export function emptyLiveStatus(): LiveStatus {
  return { patched: {}, unreadable: {} };
}

const sectionOf = (part: StatusPart): UnreadablePart['part'] => (part === 'clusterVersion' || part === 'clusterOperators' ? part : 'patched');

/**
 * What a failure of one part means: `unreadable` (a 403: show the rest, name this one), `empty` (the server does
 * not serve the collection, so it holds nothing), or `fatal` (401, unreachable, anything else: the whole view).
 */
export function partFailure(part: StatusPart, err: unknown, where: ClusterWhere): { kind: 'unreadable'; unreadable: UnreadablePart } | { kind: 'empty' } | { kind: 'fatal' } {
  const unreadable = unreadablePart(sectionOf(part), err, STATUS_READS[part], where);
  if (unreadable) return { kind: 'unreadable', unreadable };
  if (part === 'DaemonSet' && isUnservedCollection(err)) return { kind: 'empty' };
  return { kind: 'fatal' };
}

/** Puts one part's value (or its denial) into `live`. */
export function setPart(live: LiveStatus, part: StatusPart, value: unknown): void {
  delete live.unreadable[part];
  if (part === 'clusterVersion') live.cv = value as ClusterVersion;
  else if (part === 'clusterOperators') live.cos = value as ClusterOperator[];
  else if (part === 'operands') live.operands = value as OperandStatusInput;
  else live.patched[part] = value as PatchableWorkload[];
}

export function denyPart(live: LiveStatus, part: StatusPart, unreadable: UnreadablePart): void {
  if (part === 'clusterVersion') delete live.cv;
  else if (part === 'clusterOperators') delete live.cos;
  else if (part === 'operands') delete live.operands;
  else delete live.patched[part];
  live.unreadable[part] = unreadable;
}

function readOne(client: ClusterClient, part: StatusPart): Promise<unknown> {
  switch (part) {
    case 'clusterVersion':
      return client.getClusterVersion();
    case 'clusterOperators':
      return client.listClusterOperators();
    case 'operands':
      return readOperandStatusInput(client);
    default:
      return listWorkloads(client, part, patchedSelector);
  }
}

/** Reads one part into `live`; throws only what fails the whole view. */
export async function readPart(client: ClusterClient, live: LiveStatus, part: StatusPart): Promise<void> {
  try {
    setPart(live, part, await readOne(client, part));
  } catch (err) {
    const failure = partFailure(part, err, client);
    if (failure.kind === 'fatal') throw err;
    if (failure.kind === 'empty') setPart(live, part, part === 'operands' ? { objects: [], workloads: [] } : []);
    else denyPart(live, part, failure.unreadable);
  }
}

/** Reads every part in parallel (or those named). */
export async function readLiveStatus(client: ClusterClient, parts: readonly StatusPart[] = STATUS_PARTS, live: LiveStatus = emptyLiveStatus()): Promise<LiveStatus> {
  await Promise.all(parts.map((part) => readPart(client, live, part)));
  return live;
}

/** The status model of what was read, with the unreadable parts named. Pure. */
export function liveClusterStatus(where: ClusterWhere, live: LiveStatus): ClusterStatus {
  const patched = PATCHABLE_KINDS.flatMap((kind) => (live.patched[kind] ?? []).map((object) => ({ kind, object })));
  const unreadable = STATUS_PARTS.map((part) => live.unreadable[part]).filter((u): u is UnreadablePart => u !== undefined);
  return buildClusterStatus(where, live.cv, live.cos, patched, unreadable, live.operands);
}

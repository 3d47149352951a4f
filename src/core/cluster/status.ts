import { OkdError } from '../errors';
import type { ClusterClient } from './client';
import { statusOf as apiStatusOf, type ClusterWhere, describeObject, type RequestWhat } from './errors';
import { formatOverride, sameOverride, workloadOverride } from './overrides';
import { type OperandEdit, readPatchRecord } from './record';
import { patchedSelector } from './restore';
import { workloadRolloutState } from './rollout';
import { buildPatchedOperands, describeEditChange, operandOverrideOwners, type OperandStatusInput, type PatchedOperand, readOperandStatusInput } from './statusOperands';
import { type ClusterOperator, type ClusterVersion, type ComponentOverride, conditionOf, type HistoryEntry, type PatchableKind } from './types';
import { type KindedWorkload, listPatchedWorkloads } from './workloads';

export interface OperatorConditions {
  name: string;
  version?: string;
  available: string;
  progressing: string;
  degraded: string;
  /** The message of the condition that matters most (Degraded=True, else Available=False, else Progressing=True). */
  message?: string;
}

export interface PatchedOperator {
  operator: string;
  kind: PatchableKind;
  namespace: string;
  name: string;
  /** Container -> image it runs now / ran before our patch. */
  images: Record<string, string>;
  originalImages: Record<string, string>;
  /** What the patch changed: each container's image and each env var that carried it (payload's -> now). */
  edits: OperandEdit[];
  rollout: { state: 'complete' | 'progressing' | 'failed'; message: string };
  patchedAt?: string;
}

/**
 * A part of the status the user may not read (a 403): the ClusterVersion (release, history, conditions,
 * overrides), the ClusterOperators, or one kind of okd-dev's patched workloads. The rest is still shown.
 */
export interface UnreadablePart {
  part: 'clusterVersion' | 'clusterOperators' | 'patched';
  /** The resource denied: `clusteroperators.config.openshift.io`. */
  resource: string;
  /** `not allowed to list clusteroperators.config.openshift.io (user viewer)` */
  message: string;
  /** The API server's own words. */
  detail: string;
}

export interface ClusterStatus {
  context: string;
  server: string;
  user: string;
  release?: { version?: string; image?: string };
  history: HistoryEntry[];
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  /** `operand`: the component whose operand patch added it. */
  overrides: (ComponentOverride & { ours: boolean; operand?: string })[];
  clusterOperators: OperatorConditions[];
  patched: PatchedOperator[];
  /** Operand patches: the objects each edited (operators' workloads, ConfigMaps) and the operand's own workloads. */
  operands: PatchedOperand[];
  /** Parts the user may not read (absent: everything was read). */
  unreadable?: UnreadablePart[];
}

function statusOf(co: ClusterOperator, type: string): string {
  return conditionOf(co.status?.conditions, type)?.status ?? 'Unknown';
}

export function operatorConditions(co: ClusterOperator): OperatorConditions {
  const conditions = co.status?.conditions;
  const degraded = conditionOf(conditions, 'Degraded');
  const available = conditionOf(conditions, 'Available');
  const progressing = conditionOf(conditions, 'Progressing');
  const message = degraded?.status === 'True' ? degraded.message : available?.status === 'False' ? available.message : progressing?.status === 'True' ? progressing.message : undefined;
  const version = co.status?.versions?.find((v) => v.name === 'operator')?.version;
  return {
    name: co.metadata.name,
    ...(version ? { version } : {}),
    available: statusOf(co, 'Available'),
    progressing: statusOf(co, 'Progressing'),
    degraded: statusOf(co, 'Degraded'),
    ...(message ? { message } : {}),
  };
}

export function patchedOperator({ kind, object: deployment }: KindedWorkload): PatchedOperator {
  const record = readPatchRecord(deployment);
  const images: Record<string, string> = {};
  const edits: OperandEdit[] = [];
  for (const c of deployment.spec?.template?.spec?.containers ?? []) {
    if (!record || c.name in record.containers) images[c.name] = c.image ?? '';
    const was = record?.containers[c.name];
    if (was !== undefined) edits.push({ field: 'image', container: c.name, from: was, to: c.image ?? '' });
    for (const [name, from] of Object.entries(record?.env[c.name] ?? {})) edits.push({ field: 'env', container: c.name, key: name, from, to: c.env?.find((e) => e.name === name)?.value ?? '' });
  }
  const state = workloadRolloutState(kind, deployment, []);
  return {
    operator: record?.operator ?? `${deployment.metadata.namespace}/${deployment.metadata.name}`,
    kind,
    namespace: deployment.metadata.namespace ?? '',
    name: deployment.metadata.name,
    images,
    originalImages: record?.containers ?? {},
    edits,
    rollout: { state: state.state, message: state.state === 'failed' ? state.reason : state.progress.message },
    ...(record?.patchedAt ? { patchedAt: record.patchedAt } : {}),
  };
}

const CV_CONDITIONS = ['Available', 'Progressing', 'Failing', 'Upgradeable', 'ReleaseAccepted'];

/**
 * The status model from what the API returned. Pure. A part that could not be read is `undefined` and named in
 * `unreadable`; the others are shown as usual.
 */
export function buildClusterStatus(
  where: { context: string; server: string; user: string },
  cv: ClusterVersion | undefined,
  clusterOperators: ClusterOperator[] | undefined,
  patchedWorkloads: KindedWorkload[] | undefined,
  unreadable: UnreadablePart[] = [],
  operandInput?: OperandStatusInput,
): ClusterStatus {
  const workloads = patchedWorkloads ?? [];
  const patched = workloads.map(patchedOperator).sort((a, b) => a.operator.localeCompare(b.operator) || a.kind.localeCompare(b.kind));
  const ours = workloads.filter((w) => readPatchRecord(w.object)?.override).map((w) => workloadOverride(w.kind, w.object.metadata.namespace ?? '', w.object.metadata.name));
  const operands = buildPatchedOperands(operandInput, cv?.spec?.overrides ?? []);
  const owners = operandOverrideOwners(operands);
  const desired = cv?.status?.desired;
  return {
    context: where.context,
    server: where.server,
    user: where.user,
    ...(desired ? { release: { ...(desired.version ? { version: desired.version } : {}), ...(desired.image ? { image: desired.image } : {}) } } : {}),
    history: cv?.status?.history ?? [],
    conditions: CV_CONDITIONS.map((type) => conditionOf(cv?.status?.conditions, type))
      .filter((c) => c !== undefined)
      .map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) })),
    overrides: (cv?.spec?.overrides ?? []).map((o) => {
      const operand = owners.find((x) => sameOverride(x.override, o))?.component;
      return { ...o, ours: operand !== undefined || ours.some((mine) => sameOverride(mine, o)), ...(operand ? { operand } : {}) };
    }),
    clusterOperators: (clusterOperators ?? []).map(operatorConditions).sort((a, b) => a.name.localeCompare(b.name)),
    patched,
    operands,
    ...(unreadable.length ? { unreadable } : {}),
  };
}

/** Reads ClusterVersion, ClusterOperators, our patched Deployments and DaemonSets and our operand patches in parallel. */
export async function readClusterStatus(client: ClusterClient): Promise<ClusterStatus> {
  const [cv, cos, patched, operands] = await Promise.all([client.getClusterVersion(), client.listClusterOperators(), listPatchedWorkloads(client, patchedSelector), readOperandStatusInput(client)]);
  return buildClusterStatus(client, cv, cos, patched, [], operands);
}

/**
 * The part a 403 denies, in a user's words: `not allowed to list clusteroperators.config.openshift.io (user
 * viewer)`, the user as the API server names it (RBAC's message), else the kubeconfig's. Anything but a 403 is
 * not a part to leave out (a 401, an unreachable server): undefined.
 */
export function unreadablePart(part: UnreadablePart['part'], err: unknown, what: RequestWhat, where: ClusterWhere): UnreadablePart | undefined {
  if (!(err instanceof OkdError) || err.kind !== 'forbidden') return undefined;
  const detail = apiStatusOf(err.cause).message?.trim() || err.message;
  const user = /\bUser "([^"]+)"/.exec(detail)?.[1] ?? where.user;
  return { part, resource: what.resource, message: `not allowed to ${what.verb} ${describeObject(what)} (user ${user})`, detail };
}

/** How each part of the status is read: what a 403 names, for unreadablePart. */
export const STATUS_READS = {
  clusterVersion: { verb: 'get', resource: 'clusterversions.config.openshift.io', name: 'version' },
  clusterOperators: { verb: 'list', resource: 'clusteroperators.config.openshift.io' },
  Deployment: { verb: 'list', resource: 'deployments.apps' },
  DaemonSet: { verb: 'list', resource: 'daemonsets.apps' },
  operands: { verb: 'list', resource: 'configmaps' },
} as const satisfies Record<string, RequestWhat>;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n');
}

/** `okd-dev cluster status` as text. Pure. */
export function renderClusterStatus(s: ClusterStatus): string {
  const out: string[] = [];
  out.push(`Context:  ${s.context} (user ${s.user})`, `Server:   ${s.server}`);
  out.push(`Release:  ${s.release?.version ?? 'unknown'}${s.release?.image ? ` ${s.release.image}` : ''}`);
  for (const c of s.conditions) out.push(`  ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message && c.status !== 'True' ? `: ${c.message}` : ''}`);
  for (const u of s.unreadable ?? []) out.push(`Not shown: ${u.message}`);
  out.push('', 'History:');
  if (!s.history.length) out.push('  (none)');
  for (const h of s.history) out.push(`  ${h.state.padEnd(10)}${(h.version ?? '').padEnd(24)}${h.image}`);
  out.push('', `Overrides (${s.overrides.length}):`);
  if (!s.overrides.length) out.push('  (none)');
  for (const o of s.overrides) out.push(`  ${formatOverride(o)}${o.unmanaged ? ' unmanaged' : ' managed'}${o.ours ? ' (okd-dev)' : ''}`);
  out.push('', `Patched operators (${s.patched.length}):`);
  if (!s.patched.length) out.push('  (none)');
  for (const p of s.patched) {
    out.push(`  ${p.operator}  ${p.kind.toLowerCase()} ${p.namespace}/${p.name}  rollout ${p.rollout.state}${p.rollout.state === 'complete' ? '' : `: ${p.rollout.message}`}`);
    for (const [container, image] of Object.entries(p.images)) out.push(`    ${container}: ${image} (was ${p.originalImages[container] ?? 'unknown'})`);
    for (const e of p.edits.filter((x) => x.field === 'env')) out.push(`    ${describeEditChange(e)}`);
  }
  out.push('', `Patched operands (${s.operands.length}):`);
  if (!s.operands.length) out.push('  (none)');
  for (const p of s.operands) {
    const rollout = (r: { state: string; message: string }) => `rollout ${r.state}${r.state === 'complete' ? '' : `: ${r.message}`}`;
    out.push(`  ${p.component}  ${p.payloadImage} -> ${p.image}  ${rollout(p.rollout)}`);
    for (const o of p.objects) {
      out.push(`    ${o.kind} ${o.namespace}/${o.name}${o.rollout ? `  ${rollout(o.rollout)}` : ''}`);
      out.push(o.override ? `      override ${formatOverride(o.override)}${o.override.unmanaged ? ' unmanaged' : ' managed'}${o.override.ours ? ' (okd-dev)' : ' (not okd-dev)'}` : '      no override (the cluster-version operator may put the payload back)');
      for (const e of o.edits) out.push(`      ${describeEditChange(e, p.payloadImage, p.image)}`);
    }
    for (const w of p.operands) out.push(`    operand ${w.kind} ${w.namespace}/${w.name} (containers ${w.containers.join(', ')})  ${rollout(w.rollout)}`);
  }
  out.push('', 'Cluster operators:');
  if (!s.clusterOperators.length) out.push('  (none)');
  else {
    const rows = [['NAME', 'VERSION', 'AVAILABLE', 'PROGRESSING', 'DEGRADED', 'MESSAGE']];
    for (const co of s.clusterOperators) rows.push([co.name, co.version ?? '', co.available, co.progressing, co.degraded, co.message ?? '']);
    out.push(...table(rows).split('\n').map((line) => `  ${line}`));
  }
  return `${out.join('\n')}\n`;
}

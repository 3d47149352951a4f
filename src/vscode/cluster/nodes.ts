import { isWorkloadOverride } from '../../core/cluster/overrides';
import type { OperandEdit } from '../../core/cluster/record';
import type { ClusterStatus, OperatorConditions, PatchedOperator, UnreadablePart } from '../../core/cluster/status';
import type { OperandRun, PatchedOperand, PatchedOperandObject } from '../../core/cluster/statusOperands';
import { type ComponentOverride, type HistoryEntry, PATCHABLE_KINDS } from '../../core/cluster/types';
import { workloadRef } from '../../core/cluster/workloads';
import type { WorkspaceBuild } from '../workspace/awareness';

/**
 * The Cluster view's nodes: plain data made from a ClusterStatus (or the one error), with ids that depend only on
 * what a node is (never on volatile text such as a rollout message), so rows keep their selection across refreshes.
 */
export type ClusterNode =
  | { kind: 'error'; id: string; message: string }
  /** A part the user may not read (403): `Cluster Operators: not allowed to list ... (user X)`. */
  | { kind: 'unreadable'; id: string; title: string; unreadable: UnreadablePart }
  /** `reconnecting`: why the watches cannot reach the server right now (the rows below are the last seen). */
  | { kind: 'context'; id: string; context: string; server: string; user: string; reconnecting?: string }
  | { kind: 'release'; id: string; version?: string; image?: string; conditions: ClusterStatus['conditions'] }
  | { kind: 'group'; id: string; group: 'history' | 'overrides' | 'patched' | 'clusterOperators'; count: number; problems: number; unreadable?: number }
  | { kind: 'history'; id: string; entry: HistoryEntry }
  | { kind: 'override'; id: string; override: ClusterStatus['overrides'][number] }
  | { kind: 'patched'; id: string; patched: PatchedOperator }
  | { kind: 'container'; id: string; container: string; image: string; original?: string }
  /** An operand patch: the component, the objects it edited and the operand's own workloads below it. */
  | { kind: 'operand'; id: string; operand: PatchedOperand }
  /** One object an operand patch edited (an operator's Deployment or DaemonSet, a ConfigMap): its override and edits below. */
  | { kind: 'operandObject'; id: string; component: string; object: PatchedOperandObject }
  /** One reference a patch rewrote (env var, argument, ConfigMap key, container image): payload's -> patched. */
  | { kind: 'edit'; id: string; edit: OperandEdit; payloadImage?: string; image?: string }
  /** A workload of the operand (its operator created it), and whether it runs the patched image yet. */
  | { kind: 'operandRun'; id: string; component: string; run: OperandRun }
  | { kind: 'clusterOperator'; id: string; operator: OperatorConditions }
  /** "This workspace builds X" (a checkout matched to a payload component), and after a loop what it runs. */
  | { kind: 'workspace'; id: string; build: WorkspaceBuild }
  | { kind: 'workspaceDetail'; id: string; detail: 'runsAs' | 'image' | 'commit' | 'built' | 'noBuild'; label: string; description: string; tooltip: string; path: string };

export type GroupName = Extract<ClusterNode, { kind: 'group' }>['group'];

function overrideKey(o: ComponentOverride): string {
  return `${o.kind}.${o.group}/${o.namespace}/${o.name}`;
}

/** An edit's place, never its text: `env:operator/MULTUS_IMAGE`, `args:operator/1`, `data:images.json`, `image:operator`. */
function editKey(e: OperandEdit): string {
  return `${e.field}:${[e.container, e.key, e.index].filter((x) => x !== undefined).join('/')}`;
}

function isBad(co: OperatorConditions): boolean {
  return co.degraded === 'True' || co.available !== 'True';
}

/**
 * A group row. An empty group is another row (its own id) than a filled one: the tree keeps a row's expansion by
 * id, and a group that gets its first entry must open expanded rather than stay as the leaf it was.
 */
function group(name: GroupName, count: number, problems: number, unreadable = 0): ClusterNode {
  const filled = count > 0 || unreadable > 0;
  return { kind: 'group', id: filled ? name : `${name}/empty`, group: name, count, problems, ...(unreadable ? { unreadable } : {}) };
}

export const PART_TITLES: Record<UnreadablePart['part'], string> = { clusterVersion: 'ClusterVersion', clusterOperators: 'Cluster Operators', patched: 'Patched Operators' };

function unreadableNode(u: UnreadablePart): ClusterNode {
  return { kind: 'unreadable', id: `unreadable/${u.part}/${u.resource}`, title: PART_TITLES[u.part], unreadable: u };
}

const unreadableOf = (status: ClusterStatus, part: UnreadablePart['part']) => (status.unreadable ?? []).filter((u) => u.part === part);

/**
 * The top-level rows for a connected cluster (and the checkouts the workspace builds, after the release). A part
 * the user may not read is one row saying so in place of its group (the ClusterVersion's: in place of the
 * release, history and overrides); patched workloads of a kind they may not list are a row inside the group. Pure.
 */
export function rootNodes(status: ClusterStatus, workspaces: readonly WorkspaceBuild[] = [], reconnecting?: string): ClusterNode[] {
  const cv = unreadableOf(status, 'clusterVersion');
  const cos = unreadableOf(status, 'clusterOperators');
  const patched = unreadableOf(status, 'patched');
  // Every kind of patched workload unreadable: nothing of the group can be shown.
  const noPatched = status.patched.length === 0 && patched.length >= PATCHABLE_KINDS.length;
  return [
    { kind: 'context', id: 'context', context: status.context, server: status.server, user: status.user, ...(reconnecting ? { reconnecting } : {}) },
    ...(cv.length
      ? cv.map(unreadableNode)
      : [{ kind: 'release', id: 'release', ...(status.release?.version ? { version: status.release.version } : {}), ...(status.release?.image ? { image: status.release.image } : {}), conditions: status.conditions } satisfies ClusterNode]),
    ...workspaces.map((build): ClusterNode => ({ kind: 'workspace', id: `workspace/${build.root}`, build })),
    ...(cv.length ? [] : [group('history', status.history.length, 0), group('overrides', status.overrides.length, 0)]),
    ...(noPatched && !status.operands.length
      ? patched.map(unreadableNode)
      : [group('patched', status.patched.length + status.operands.length, [...status.patched, ...status.operands].filter((p) => p.rollout.state === 'failed').length, patched.length)]),
    ...(cos.length ? cos.map(unreadableNode) : [group('clusterOperators', status.clusterOperators.length, status.clusterOperators.filter(isBad).length)]),
  ];
}

/** The children of a row. Pure. */
export function childNodes(status: ClusterStatus, node: ClusterNode): ClusterNode[] {
  switch (node.kind) {
    case 'group':
      switch (node.group) {
        case 'history':
          return status.history.map((entry, i) => ({ kind: 'history', id: `history/${status.history.length - i}/${entry.image}`, entry }));
        case 'overrides':
          return status.overrides.map((override) => ({ kind: 'override', id: `override/${overrideKey(override)}`, override }));
        case 'patched':
          return [
            ...status.patched.map((patched): ClusterNode => ({ kind: 'patched', id: `patched/${patched.kind === 'Deployment' ? '' : `${patched.kind}/`}${patched.namespace}/${patched.name}`, patched })),
            ...status.operands.map((operand): ClusterNode => ({ kind: 'operand', id: `operand/${operand.component}`, operand })),
            ...unreadableOf(status, 'patched').map(unreadableNode),
          ];
        case 'clusterOperators':
          return status.clusterOperators.map((operator) => ({ kind: 'clusterOperator', id: `co/${operator.name}`, operator }));
      }
      return [];
    case 'patched':
      return [
        // What the patch changed (each container's image, and what it ran before), then the ClusterVersion
        // override that keeps the cluster-version operator off the workload while it runs.
        ...Object.entries(node.patched.images).map(([container, image]): ClusterNode => ({
          kind: 'container',
          id: `${node.id}/${container}`,
          container,
          image,
          ...(node.patched.originalImages[container] ? { original: node.patched.originalImages[container] } : {}),
        })),
        ...node.patched.edits.filter((e) => e.field === 'env').map((edit): ClusterNode => ({ kind: 'edit', id: `${node.id}/${editKey(edit)}`, edit })),
        ...overridesOf(status, node.patched).map((override): ClusterNode => ({ kind: 'override', id: `${node.id}/override:${overrideKey(override)}`, override })),
      ];
    case 'operand':
      return [
        ...node.operand.objects.map((object): ClusterNode => ({ kind: 'operandObject', id: `${node.id}/object/${object.kind}/${object.namespace}/${object.name}`, component: node.operand.component, object })),
        ...node.operand.operands.map((run): ClusterNode => ({ kind: 'operandRun', id: `${node.id}/runs/${run.kind}/${run.namespace}/${run.name}`, component: node.operand.component, run })),
      ];
    case 'operandObject': {
      const operand = status.operands.find((p) => p.component === node.component);
      const override = status.overrides.find((o) => o.kind === node.object.kind && o.group === node.object.group && o.namespace === node.object.namespace && o.name === node.object.name);
      return [
        ...(override ? [{ kind: 'override', id: `${node.id}/override:${overrideKey(override)}`, override } satisfies ClusterNode] : []),
        ...node.object.edits.map((edit): ClusterNode => ({ kind: 'edit', id: `${node.id}/${editKey(edit)}`, edit, ...(operand ? { payloadImage: operand.payloadImage, image: operand.image } : {}) })),
      ];
    }
    case 'workspace':
      return workspaceDetails(node);
    default:
      return [];
  }
}

/** The overrides of a patched workload (normally the one okd-dev added). */
export function overridesOf(status: ClusterStatus, patched: PatchedOperator): ClusterStatus['overrides'] {
  return status.overrides.filter((o) => o.kind === patched.kind && o.namespace === patched.namespace && o.name === patched.name);
}

/**
 * The row above `node` (undefined for a top-level row), for TreeView.reveal: looked up among the rows the view
 * shows, three levels down (group, patched operator or operand, its override and containers or its objects and
 * their overrides and edits; workspace and its details). Pure.
 */
export function parentNode(status: ClusterStatus, node: ClusterNode, workspaces: readonly WorkspaceBuild[] = []): ClusterNode | undefined {
  let level = rootNodes(status, workspaces);
  if (level.some((n) => n.id === node.id)) return undefined;
  for (let depth = 0; depth < 3 && level.length; depth++) {
    const next: ClusterNode[] = [];
    for (const parent of level) {
      const children = childNodes(status, parent);
      if (children.some((c) => c.id === node.id)) return parent;
      next.push(...children);
    }
    level = next;
  }
  return undefined;
}

/**
 * The row that shows a payload component in the view: its patched operator (by component name or workload),
 * else its ClusterOperator, else the Cluster Operators group. Pure.
 */
export function revealTarget(
  status: ClusterStatus,
  component: string,
  workloads: readonly { kind: string; namespace: string; name: string }[] = [],
  clusterOperators: readonly string[] = [],
): ClusterNode | undefined {
  const roots = rootNodes(status);
  const patchedGroup = roots.find((n) => n.kind === 'group' && n.group === 'patched');
  const patched = patchedGroup
    ? childNodes(status, patchedGroup).find(
        (n) => n.kind === 'patched' && (n.patched.operator === component || workloads.some((w) => w.kind === n.patched.kind && w.namespace === n.patched.namespace && w.name === n.patched.name)),
      )
    : undefined;
  if (patched) return patched;
  const operand = patchedGroup ? childNodes(status, patchedGroup).find((n) => n.kind === 'operand' && n.operand.component === component) : undefined;
  if (operand) return operand;
  const cosGroup = roots.find((n) => n.kind === 'group' && n.group === 'clusterOperators');
  const co = cosGroup && clusterOperators.length ? childNodes(status, cosGroup).find((n) => n.kind === 'clusterOperator' && clusterOperators.includes(n.operator.name)) : undefined;
  return co ?? cosGroup ?? roots.find((n) => n.kind === 'unreadable' && n.unreadable.part === 'clusterOperators');
}

function digestOf(image: string): string {
  const at = image.indexOf('@');
  return at < 0 ? image : image.slice(at + 1);
}

/** Where the component runs, then the last Build, Push & Patch: running image digest, commit, when built. Pure. */
export function workspaceDetails(node: Extract<ClusterNode, { kind: 'workspace' }>): ClusterNode[] {
  const { build } = node;
  const detail = (key: string, d: Extract<ClusterNode, { kind: 'workspaceDetail' }>['detail'], label: string, description: string, tooltip: string): ClusterNode => ({
    kind: 'workspaceDetail',
    id: `${node.id}/${key}`,
    detail: d,
    label,
    description,
    tooltip,
    path: build.root,
  });
  const out: ClusterNode[] = build.placements.map((p, i) =>
    detail(`runsAs/${i}`, 'runsAs', `${p.kind} ${p.namespace}/${p.name}`, `container ${p.container}`, `${build.component} runs as ${p.kind} ${p.namespace}/${p.name}, container ${p.container} (operator ${p.operator})`),
  );
  const last = build.lastBuild;
  if (!last) {
    out.push(detail('noBuild', 'noBuild', 'Not built yet', 'Build, Push & Patch', `Build, Push & Patch builds ${build.root} and runs it in the cluster.`));
    return out;
  }
  out.push(
    detail('image', 'image', 'Image', digestOf(last.image).slice(0, 19), `${last.image}\n\ntag ${last.tagPullSpec}${last.deployment ? `\n\nrunning in ${last.deployment}${last.rollout ? ` (${last.rollout})` : ''}` : ''}`),
    detail('commit', 'commit', 'Commit', `${last.commit ? last.commit.slice(0, 12) : 'no commit'}${last.dirty ? ' with local changes' : ''}`, last.commit || 'the checkout has no commit'),
    detail('built', 'built', 'Built', `${last.builtAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} · ${last.builder}`, `Built at ${last.builtAt} with ${last.builder}\n\n${last.stageTimes}`),
  );
  return out;
}

/**
 * What okd.restoreOperator restores for a row: the operator of a patched row; the component of an operand patch's
 * rows and of the overrides it added; `namespace/name` of a Deployment override, `daemonset/namespace/name` of a
 * DaemonSet override.
 */
export function restoreTargetOf(node: ClusterNode): string | undefined {
  if (node.kind === 'patched') return node.patched.operator;
  if (node.kind === 'operand') return node.operand.component;
  if (node.kind === 'operandObject' || node.kind === 'operandRun') return node.component;
  if (node.kind === 'override' && node.override.operand) return node.override.operand;
  if (node.kind === 'override' && isWorkloadOverride(node.override)) return workloadRef(node.override.kind, node.override.namespace, node.override.name);
  return undefined;
}

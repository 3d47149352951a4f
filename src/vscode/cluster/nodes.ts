import type { ClusterStatus, PatchedOperator } from '../../core/cluster/status';
import type { ComponentOverride, HistoryEntry } from '../../core/cluster/types';
import type { OperatorConditions } from '../../core/cluster/status';

/**
 * The Cluster view's nodes: plain data made from a ClusterStatus (or the one error), with ids that depend only on
 * what a node is (never on volatile text such as a rollout message), so rows keep their selection across refreshes.
 */
export type ClusterNode =
  | { kind: 'error'; id: string; message: string }
  | { kind: 'context'; id: string; context: string; server: string; user: string }
  | { kind: 'release'; id: string; version?: string; image?: string; conditions: ClusterStatus['conditions'] }
  | { kind: 'group'; id: string; group: 'history' | 'overrides' | 'patched' | 'clusterOperators'; count: number; problems: number }
  | { kind: 'history'; id: string; entry: HistoryEntry }
  | { kind: 'override'; id: string; override: ComponentOverride & { ours: boolean } }
  | { kind: 'patched'; id: string; patched: PatchedOperator }
  | { kind: 'container'; id: string; container: string; image: string; original?: string }
  | { kind: 'clusterOperator'; id: string; operator: OperatorConditions };

export type GroupName = Extract<ClusterNode, { kind: 'group' }>['group'];

function overrideKey(o: ComponentOverride): string {
  return `${o.kind}.${o.group}/${o.namespace}/${o.name}`;
}

function isBad(co: OperatorConditions): boolean {
  return co.degraded === 'True' || co.available !== 'True';
}

/**
 * A group row. An empty group is another row (its own id) than a filled one: the tree keeps a row's expansion by
 * id, and a group that gets its first entry must open expanded rather than stay as the leaf it was.
 */
function group(name: GroupName, count: number, problems: number): ClusterNode {
  return { kind: 'group', id: count ? name : `${name}/empty`, group: name, count, problems };
}

/** The top-level rows for a connected cluster. Pure. */
export function rootNodes(status: ClusterStatus): ClusterNode[] {
  return [
    { kind: 'context', id: 'context', context: status.context, server: status.server, user: status.user },
    { kind: 'release', id: 'release', ...(status.release?.version ? { version: status.release.version } : {}), ...(status.release?.image ? { image: status.release.image } : {}), conditions: status.conditions },
    group('history', status.history.length, 0),
    group('overrides', status.overrides.length, 0),
    group('patched', status.patched.length, status.patched.filter((p) => p.rollout.state === 'failed').length),
    group('clusterOperators', status.clusterOperators.length, status.clusterOperators.filter(isBad).length),
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
          return status.patched.map((patched) => ({ kind: 'patched', id: `patched/${patched.namespace}/${patched.name}`, patched }));
        case 'clusterOperators':
          return status.clusterOperators.map((operator) => ({ kind: 'clusterOperator', id: `co/${operator.name}`, operator }));
      }
      return [];
    case 'patched':
      return Object.entries(node.patched.images).map(([container, image]) => ({
        kind: 'container',
        id: `${node.id}/${container}`,
        container,
        image,
        ...(node.patched.originalImages[container] ? { original: node.patched.originalImages[container] } : {}),
      }));
    default:
      return [];
  }
}

/** What okd.restoreOperator restores for a row: `namespace/deployment` of a Deployment override or patched operator. */
export function restoreTargetOf(node: ClusterNode): string | undefined {
  if (node.kind === 'patched') return node.patched.operator;
  if (node.kind === 'override' && node.override.kind === 'Deployment') return `${node.override.namespace}/${node.override.name}`;
  return undefined;
}

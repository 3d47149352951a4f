import { compareReleaseTags } from '../release/tags';

/**
 * The upgrade graph of a channel as a Cincinnati server answers it (`GET <upstream>?channel=C`, JSON
 * `{nodes: [{version, payload, metadata?}], edges: [[from, to], ...]}` with indexes into `nodes`). The OKD release
 * controller serves one at `/graph` (cmd/release-controller/http_upgrade_graph.go): its edges are the upgrades its
 * tests passed, filtered by channel (`stable-4.19` keeps edges into 4.19.*).
 */

export interface GraphNode {
  version: string;
  payload: string;
  /** `metadata["io.openshift.upgrades.graph.release.channels"]`, when the server sends metadata. */
  channels?: string[];
}

export interface UpgradeGraph {
  channel: string;
  nodes: GraphNode[];
  /** Indexes into `nodes`, from -> to. */
  edges: [number, number][];
}

/** Parses a Cincinnati graph; undefined when the body is not one. Edges that point outside `nodes` are dropped. */
export function parseUpgradeGraph(body: unknown, channel: string): UpgradeGraph | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { nodes, edges } = body as { nodes?: unknown; edges?: unknown };
  if (!Array.isArray(nodes) || !Array.isArray(edges)) return undefined;
  const graphNodes: GraphNode[] = [];
  for (const n of nodes) {
    const o = (typeof n === 'object' && n !== null ? n : {}) as { version?: unknown; payload?: unknown; metadata?: unknown };
    const node: GraphNode = { version: typeof o.version === 'string' ? o.version : '', payload: typeof o.payload === 'string' ? o.payload : '' };
    const meta = typeof o.metadata === 'object' && o.metadata !== null ? (o.metadata as Record<string, unknown>) : {};
    const channels = meta['io.openshift.upgrades.graph.release.channels'];
    if (typeof channels === 'string' && channels) node.channels = channels.split(',').map((c) => c.trim()).filter(Boolean);
    graphNodes.push(node);
  }
  const graphEdges: [number, number][] = [];
  for (const e of edges) {
    if (!Array.isArray(e) || e.length !== 2) continue;
    const [from, to] = e as unknown[];
    if (!Number.isInteger(from) || !Number.isInteger(to)) continue;
    if ((from as number) < 0 || (to as number) < 0 || (from as number) >= graphNodes.length || (to as number) >= graphNodes.length) continue;
    graphEdges.push([from as number, to as number]);
  }
  return { channel, nodes: graphNodes, edges: graphEdges };
}

export interface UpgradeTarget {
  version: string;
  payload: string;
  /** The versions on the way, starting with `from` and ending with this one (shortest, newest hops first). */
  path: string[];
}

/** "Can I upgrade from what my cluster runs": what the channel's graph offers from one version. */
export interface UpgradeAnswer {
  channel: string;
  from: string;
  /** `from` is a node of the graph (a version the graph knows nothing of has no upgrades in it). */
  inGraph: boolean;
  /** Versions one edge away, newest first. */
  direct: UpgradeTarget[];
  /** The newest version reachable, with the path to it; undefined when nothing is reachable. */
  newest?: UpgradeTarget;
  /** With a `to`: whether and how it can be reached. */
  to?: { version: string; inGraph: boolean; path?: string[] };
  /** How many versions and edges the channel's graph has. */
  size: { nodes: number; edges: number };
}

/** Shortest paths from `from` (breadth first, trying newer targets first so ties go to newer hops). */
export function answerUpgrade(graph: UpgradeGraph, from: string, to?: string): UpgradeAnswer {
  const index = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (!index.has(n.version)) index.set(n.version, i);
  });
  const out = new Map<number, number[]>();
  for (const [a, b] of graph.edges) {
    const list = out.get(a) ?? [];
    if (!list.includes(b)) list.push(b);
    out.set(a, list);
  }
  const byNewest = (a: number, b: number) => compareReleaseTags(graph.nodes[b]?.version ?? '', graph.nodes[a]?.version ?? '');
  const start = index.get(from);
  const answer: UpgradeAnswer = { channel: graph.channel, from, inGraph: start !== undefined, direct: [], size: { nodes: graph.nodes.length, edges: graph.edges.length } };
  const previous = new Map<number, number>();
  if (start !== undefined) {
    const seen = new Set<number>([start]);
    const queue = [start];
    while (queue.length > 0) {
      const at = queue.shift() as number;
      for (const next of [...(out.get(at) ?? [])].sort(byNewest)) {
        if (seen.has(next)) continue;
        seen.add(next);
        previous.set(next, at);
        queue.push(next);
      }
    }
  }
  const pathTo = (target: number): string[] => {
    const path: string[] = [];
    for (let at: number | undefined = target; at !== undefined; at = previous.get(at)) path.unshift(graph.nodes[at]?.version ?? '');
    return path;
  };
  const target = (i: number): UpgradeTarget => ({ version: graph.nodes[i]?.version ?? '', payload: graph.nodes[i]?.payload ?? '', path: pathTo(i) });
  if (start !== undefined) {
    answer.direct = [...(out.get(start) ?? [])].filter((i) => i !== start).sort(byNewest).map(target);
    const reachable = [...previous.keys()].sort(byNewest);
    if (reachable[0] !== undefined) answer.newest = target(reachable[0]);
  }
  if (to !== undefined) {
    const goal = index.get(to);
    answer.to = { version: to, inGraph: goal !== undefined };
    if (goal !== undefined && previous.has(goal)) answer.to.path = pathTo(goal);
  }
  return answer;
}

import type { CancellationTokenLike } from '../cancel';
import type { ClusterUpgradeSource } from '../cluster/upgradeSource';
import { compareReleaseTags } from '../release/tags';
import { answerUpgrade, type UpgradeGraph } from './graph';

// "Can the connected cluster upgrade to this tag": the cluster's version, looked up in the upgrade graph of the
// cluster's channel (from its spec.upstream, else the release controller that lists the tag).

/** A graph URL (`https://host/graph`) as a controller client's base: the client asks `/graph` itself. */
export function graphBase(upstream: string): string {
  return upstream.replace(/\/+$/, '').replace(/\/graph$/, '');
}

export function graphUrl(base: string, channel: string): string {
  return `${base.replace(/\/+$/, '')}/graph?channel=${encodeURIComponent(channel)}`;
}

export type ClusterUpgradeKind =
  /** The cluster runs the tag. */
  | 'current'
  /** One upgrade away. */
  | 'direct'
  /** Reachable through other versions (`path`). */
  | 'via'
  /** The cluster has no spec.channel: no graph to ask. */
  | 'noChannel'
  /** The cluster's version is not a node of the channel's graph. */
  | 'fromNotInGraph'
  /** The tag is not a node of the channel's graph. */
  | 'toNotInGraph'
  /** Both are in the graph, with no path between them. */
  | 'noPath';

export interface ClusterUpgrade {
  kind: ClusterUpgradeKind;
  from: string;
  to: string;
  channel?: string;
  /** The graph asked (`<base>/graph?channel=C`). */
  graph?: string;
  /** From `from` to `to`, both included (direct, via). */
  path?: string[];
  /** How many versions and edges the channel's graph has. */
  size?: { nodes: number; edges: number };
}

export interface ClusterUpgradeOptions {
  /** The update server when the cluster names none: the release controller of the tag's stream. */
  defaultUpstream: string;
  /** Reads the graph of `channel` from the controller (or Cincinnati server) at `base`. */
  graph(base: string, channel: string, token?: CancellationTokenLike): Promise<UpgradeGraph>;
  token?: CancellationTokenLike;
}

/** Reads the graph of the cluster's channel (unless there is nothing to ask) and answers for `to`. */
export async function clusterUpgradeTo(source: ClusterUpgradeSource, to: string, options: ClusterUpgradeOptions): Promise<ClusterUpgrade> {
  const base = { from: source.version, to, ...(source.channel ? { channel: source.channel } : {}) };
  if (source.version === to) return { kind: 'current', ...base };
  if (!source.channel) return { kind: 'noChannel', ...base };
  const server = source.upstream ? graphBase(source.upstream) : options.defaultUpstream;
  const graph = await options.graph(server, source.channel, options.token);
  const answer = answerUpgrade(graph, source.version, to);
  const found = { ...base, graph: graphUrl(server, source.channel), size: answer.size };
  if (!answer.inGraph) return { kind: 'fromNotInGraph', ...found };
  if (!answer.to?.inGraph) return { kind: 'toNotInGraph', ...found };
  const path = answer.to.path;
  if (!path) return { kind: 'noPath', ...found };
  return { kind: path.length > 2 ? 'via' : 'direct', ...found, path };
}

/**
 * The answer in words: `verdict` is a tree row's label, the answer first so a narrow sidebar still shows it
 * (`Direct upgrade from your cluster`, `Via A -> B from your cluster`, `Not reachable from your cluster`),
 * `summary` the whole sentence (`From your cluster's V: not reachable in channel C`), `detail` the path, channel and
 * graph, `reachable` whether it is a yes (undefined: no answer to give, e.g. no channel).
 */
export function describeClusterUpgrade(u: ClusterUpgrade): { verdict: string; summary: string; detail: string; reachable?: boolean } {
  const head = `From your cluster's ${u.from}`;
  const graphLine = u.graph ? `\nGraph: ${u.graph}${u.size ? ` (${u.size.nodes} versions, ${u.size.edges} upgrade edges)` : ''}` : '';
  const older = compareReleaseTags(u.to, u.from) < 0 ? ` (${u.to} is older than ${u.from})` : '';
  const unreachable = (detail: string) => ({ verdict: 'Not reachable from your cluster', summary: `${head}: not reachable in channel ${u.channel}`, detail: `${detail}${graphLine}`, reachable: false });
  switch (u.kind) {
    case 'current':
      return { verdict: 'Your cluster runs this release', summary: `${head}: this is what it runs`, detail: `Your cluster runs ${u.to}${u.channel ? ` (channel ${u.channel})` : ''}.` };
    case 'noChannel':
      return {
        verdict: 'No channel set on your cluster',
        summary: `${head}: no channel set on the cluster`,
        detail: `The cluster's ClusterVersion has no spec.channel, so there is no upgrade graph to ask. Set one (oc adm upgrade channel CHANNEL, e.g. stable-scos-4) to see whether ${u.to} is reachable.`,
      };
    case 'direct':
    case 'via': {
      const path = u.path ?? [];
      const hops = path.length - 1;
      const how = u.kind === 'direct' ? 'direct upgrade' : `via ${path.slice(1, -1).join(' -> ')}`;
      return { verdict: u.kind === 'direct' ? 'Direct upgrade from your cluster' : `Via ${path.slice(1, -1).join(' -> ')} from your cluster`, summary: `${head}: ${how}`, detail: `${path.join(' -> ')} (${hops} upgrade${hops === 1 ? '' : 's'}) in channel ${u.channel}.${graphLine}`, reachable: true };
    }
    case 'fromNotInGraph':
      return unreachable(`${u.from} is not in the graph of channel ${u.channel}: the channel offers no upgrade from it.`);
    case 'toNotInGraph':
      return unreachable(`${u.to} is not in the graph of channel ${u.channel}${older}.`);
    case 'noPath':
      return unreachable(`Channel ${u.channel} has no path from ${u.from} to ${u.to}${older}.`);
  }
}

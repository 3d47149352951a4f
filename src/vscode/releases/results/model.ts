import type { CancellationTokenLike } from '../../../core/cancel';
import { describeError } from '../../../core/errors';
import { clusterUpgradeTo, describeClusterUpgrade } from '../../../core/releasecontroller/clusterUpgrade';
import { type ReleaseResults, releaseTagPage, upgradeState, type UpgradeEdgeResult, type VerificationJob } from '../../../core/releasecontroller/results';
import type { ReleaseTreeDeps } from '../model/deps';
import type { NodeStore } from '../model/store';
import type { ReleaseNode, ReleaseTreeNode } from '../nodes';
import type { ResultRowNode, ResultsGroupNode, ResultsNode, ResultsSection } from './nodes';

/** The Results row of a tag a release controller stream lists, and what it shows once read. */
export class ReleaseResultsRows {
  constructor(
    private readonly store: NodeStore,
    private readonly deps: ReleaseTreeDeps,
  ) {}

  /** The Results row for a release listed by a controller's stream; undefined for other releases. */
  resultsNode(release: ReleaseNode): ResultsNode | undefined {
    const stream = release.parent;
    if (stream?.kind !== 'stream') return undefined;
    return this.store.node<ResultsNode>({ kind: 'results', id: `${release.id}/results`, parent: release, url: stream.url, stream: stream.stream, tag: release.label });
  }

  children(node: ResultsNode): Promise<ReleaseTreeNode[]> {
    return this.store.cached(node, `Reading results of ${node.tag}`, async (token) => {
      const started = Date.now();
      // The cluster is asked alongside: its answer (or why there is none) is one row, never the whole Results' error.
      const [results, fromCluster] = await Promise.all([this.deps.controller(node.url).releaseResults(node.stream, node.tag, token), this.clusterUpgradeRow(node, token)]);
      this.deps.logger.info(
        `releases: ${node.url} results of ${node.tag}: ${results.phase}, ${results.blockingJobs.length} blocking, ${results.informingJobs.length} informing, ${results.upgradesTo.length + results.upgradesFrom.length} upgrade edges in ${Date.now() - started} ms`,
      );
      return this.rows(node, results, fromCluster);
    });
  }

  /**
   * "Can the connected cluster upgrade to this tag", from the graph of the cluster's channel; undefined without a
   * cluster. A failure (cluster or graph) is an error row under Results, whose Retry reads Results again.
   */
  private async clusterUpgradeRow(node: ResultsNode, token: CancellationTokenLike): Promise<ReleaseTreeNode | undefined> {
    const id = `${node.id}/clusterUpgrade`;
    try {
      const source = await this.deps.clusterUpgradeSource();
      if (!source) return undefined;
      const answer = await clusterUpgradeTo(source, node.tag, { defaultUpstream: node.url, graph: (base, channel, t) => this.deps.controller(base).upgradeGraph(channel, t), token });
      const { verdict, summary, detail, reachable } = describeClusterUpgrade(answer);
      this.deps.logger.info(`releases: ${node.tag}: ${summary}${answer.graph ? ` (${answer.graph})` : ''}`);
      // The answer is the label, the cluster's version and channel follow, the whole sentence and path are the tooltip.
      return this.store.node<ResultRowNode>({
        kind: 'resultRow',
        id,
        parent: node,
        label: verdict,
        description: `${answer.from}${answer.channel ? `, channel ${answer.channel}` : ''}`,
        state: reachable === undefined ? '' : reachable ? 'Reachable' : 'Unreachable',
        tooltip: `${summary}\n${detail}`,
      });
    } catch (err) {
      const message = `Upgrade from your cluster: ${describeError(err)}`;
      this.deps.logger.warn(`releases: ${node.tag}: ${message}`);
      return this.store.node({ kind: 'error', id: `${id}/error`, parent: node, message, error: err });
    }
  }

  private rows(node: ResultsNode, r: ReleaseResults, fromCluster: ReleaseTreeNode | undefined): ReleaseTreeNode[] {
    const page = releaseTagPage(node.url, node.stream, node.tag);
    const failedBlocking = r.blockingJobs.filter((j) => j.state === 'Failed').length;
    const phase = this.store.node<ResultRowNode>({
      kind: 'resultRow',
      id: `${node.id}/phase`,
      parent: node,
      label: `Phase: ${r.phase || 'unknown'}`,
      description: failedBlocking ? `${failedBlocking} blocking job${failedBlocking > 1 ? 's' : ''} failed` : '',
      state: r.phase,
      url: page,
      tooltip: `${node.tag} in stream ${node.stream} is ${r.phase || 'of unknown phase'}. Opens ${page}`,
    });
    const groups: ReleaseTreeNode[] = [phase, ...(fromCluster ? [fromCluster] : []), this.jobGroup(node, 'blocking', 'Blocking jobs', r.blockingJobs), this.jobGroup(node, 'informing', 'Informing jobs', r.informingJobs)];
    if (r.pendingJobs.length > 0) groups.push(this.jobGroup(node, 'pending', 'Pending jobs', r.pendingJobs));
    groups.push(this.upgradeGroup(node, 'upgradesTo', `Upgrades to ${node.tag}`, r.upgradesTo), this.upgradeGroup(node, 'upgradesFrom', `Upgrades from ${node.tag}`, r.upgradesFrom));
    return groups;
  }

  private jobGroup(node: ResultsNode, section: ResultsSection, label: string, jobs: VerificationJob[]): ResultsGroupNode {
    const id = `${node.id}/${section}`;
    const failed = jobs.filter((j) => j.state === 'Failed').length;
    const rows = jobs.map(
      (j): ResultRowNode => ({
        kind: 'resultRow',
        id: `${id}/${j.name}`,
        parent: undefined,
        label: j.name,
        description: `${j.state}${j.retries ? ` · retried ${j.retries}x` : ''}`,
        state: j.state,
        ...(j.url ? { url: j.url } : {}),
        tooltip: `${j.name}: ${j.state}${j.transitionTime ? ` since ${j.transitionTime}` : ''}${j.url ? `\n${j.url}` : ''}`,
      }),
    );
    return this.group(node, section, label, jobs.length === 0 ? 'none' : `${jobs.length}${failed ? `, ${failed} failed` : ''}`, failed > 0, rows);
  }

  private upgradeGroup(node: ResultsNode, section: ResultsSection, label: string, edges: UpgradeEdgeResult[]): ResultsGroupNode {
    const id = `${node.id}/${section}`;
    const rows = edges.map((e): ResultRowNode => {
      const other = section === 'upgradesTo' ? e.from : e.to;
      const last = e.runs[e.runs.length - 1]?.url;
      return {
        kind: 'resultRow',
        id: `${id}/${other}`,
        parent: undefined,
        label: section === 'upgradesTo' ? `from ${other}` : `to ${other}`,
        description: `${upgradeState(e)} · ${e.success} passed, ${e.failure} failed of ${e.total}`,
        state: upgradeState(e),
        ...(last ? { url: last } : {}),
        tooltip: `${e.from} -> ${e.to}: ${e.success} passed, ${e.failure} failed of ${e.total}${e.runs.map((r) => `\n${r.state} ${r.url}`).join('')}`,
      };
    });
    const failed = edges.some((e) => upgradeState(e) === 'Failed');
    return this.group(node, section, label, edges.length === 0 ? 'none recorded' : String(edges.length), failed, rows);
  }

  private group(node: ResultsNode, section: ResultsSection, label: string, description: string, failed: boolean, rows: ResultRowNode[]): ResultsGroupNode {
    // Made once per read of the results (cached until refreshed): the rows point at the group object itself.
    const group: { -readonly [K in keyof ResultsGroupNode]: ResultsGroupNode[K] } = { kind: 'resultsGroup', id: `${node.id}/${section}`, parent: node, section, label, description, failed, rows: [] };
    group.rows = rows.map((r) => ({ ...r, parent: group }));
    for (const row of group.rows) this.store.remember(row);
    this.store.remember(group);
    return group;
  }
}

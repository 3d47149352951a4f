import type { CancellationTokenLike } from '../../../core/cancel';
import type { Release } from '../../../core/release/model';
import { offlineWarning } from '../../../core/release/render';
import type { GroupName, GroupNode, OperatorManifestsNode, OperatorNode, ReleaseNode, ReleaseTreeNode, WorkloadNode } from '../nodes';
import type { ReleaseTreeDeps } from './deps';
import { metadataRows } from './metadata';
import type { NodeStore } from './store';

/**
 * What a release node shows once its payload is read: the groups (operators, images, manifests, metadata), an
 * operator's workloads and manifests, a workload's containers.
 */
export class ReleaseContents {
  constructor(
    private readonly store: NodeStore,
    private readonly deps: ReleaseTreeDeps,
  ) {}

  /** Reads a release through the library (deduplicated per pullspec, cached by digest). */
  async load(pullSpec: string, token?: CancellationTokenLike): Promise<Release> {
    const known = this.deps.library.get(pullSpec);
    if (known) return known;
    const started = Date.now();
    // The tree marks a release read offline (a warning row), so it may show a tag's last read.
    const release = await this.deps.library.load(pullSpec, token, { allowOffline: true });
    this.deps.logger.info(`releases: read ${pullSpec} (${release.version}, ${release.components.length} images, ${release.manifests.length} manifests) in ${Date.now() - started} ms`);
    return release;
  }

  releaseChildren(node: ReleaseNode): Promise<ReleaseTreeNode[]> {
    return this.store.cached(node, `Reading release ${node.pullSpec}`, async (token) => {
      const release = await this.load(node.pullSpec, token);
      const groups: ReleaseTreeNode[] = (['operators', 'images', 'manifests', 'metadata'] as const).map((group) => this.groupNode(node, release, group));
      if (!release.offline) return groups;
      // Read by tag while the registry could not be reached: say which read this is, first.
      const when = release.offline.resolvedAt.slice(0, 16).replace('T', ' ');
      const offline = this.store.node({ kind: 'message', id: `${node.id}/offline`, parent: node, message: `Offline: as this tag was on ${when} UTC`, warning: offlineWarning(release) });
      return [offline, ...groups];
    });
  }

  /** The children of a node inside a read release (nothing is read). */
  children(node: GroupNode | OperatorNode | OperatorManifestsNode | WorkloadNode): ReleaseTreeNode[] {
    switch (node.kind) {
      case 'group':
        return this.groupChildren(node);
      case 'operator': {
        const { release, operator } = node;
        const rows: ReleaseTreeNode[] = operator.deployments.map((workload) =>
          this.store.node({ kind: 'workload', id: `${node.id}/${workload.kind}:${workload.namespace}/${workload.name}`, parent: node, release, workload }),
        );
        if (operator.manifests.length > 0) rows.push(this.store.node({ kind: 'operatorManifests', id: `${node.id}/manifests`, parent: node, release, operator }));
        return rows;
      }
      case 'operatorManifests': {
        const files = new Set(node.operator.manifests);
        return node.release.manifests
          .filter((m) => files.has(m.file))
          .map((manifest) => this.store.node({ kind: 'manifest', id: `${node.id}/${manifest.file}`, parent: node, release: node.release, manifest }));
      }
      case 'workload':
        return node.workload.containers.map((container) =>
          this.store.node({
            kind: 'container',
            id: `${node.id}/${container.init ? 'init:' : ''}${container.name}`,
            parent: node,
            release: node.release,
            workload: node.workload,
            container,
          }),
        );
    }
  }

  private groupNode(parent: ReleaseNode, release: Release, group: GroupName): GroupNode {
    return this.store.node<GroupNode>({ kind: 'group', id: `${parent.id}/${group}`, parent, release, group });
  }

  private groupChildren(node: GroupNode): ReleaseTreeNode[] {
    const { release } = node;
    switch (node.group) {
      case 'operators':
        return [...release.operators]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((operator) => this.store.node({ kind: 'operator', id: `${node.id}/${operator.name}`, parent: node, release, operator }));
      case 'images':
        return [...release.components]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((component) => this.store.node({ kind: 'image', id: `${node.id}/${component.name}`, parent: node, release, component }));
      case 'manifests':
        return release.manifests.map((manifest) => this.store.node({ kind: 'manifest', id: `${node.id}/${manifest.file}`, parent: node, release, manifest }));
      case 'metadata':
        return metadataRows(release).map((row) => this.store.node({ kind: 'metadata', id: `${node.id}/${row.key}`, parent: node, release, ...row }));
    }
  }
}

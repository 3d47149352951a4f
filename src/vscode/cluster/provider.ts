import type * as vscode from 'vscode';
import type { WorkspaceBuild } from '../workspace/awareness';
import { renderClusterNode } from './items';
import type { ClusterModel } from './model';
import { childNodes, type ClusterNode, parentNode, rootNodes } from './nodes';

/**
 * Renders the ClusterModel: asking for the roots is what connects (the first time the view is shown); one error
 * node when the cluster cannot be read; nothing when there is no kubeconfig (the view's welcome text says why).
 * `workspaces` are the checkouts the workspace builds, shown under the release.
 */
export class ClusterTreeProvider {
  constructor(
    private readonly model: ClusterModel,
    private readonly workspaces: () => readonly WorkspaceBuild[] = () => [],
  ) {}

  async getChildren(node?: ClusterNode): Promise<ClusterNode[]> {
    if (!node) {
      const state = await this.model.load();
      switch (state.kind) {
        case 'connected':
          return rootNodes(state.status, this.workspaces(), state.reconnecting);
        case 'error':
          return [{ kind: 'error', id: 'error', message: state.message }];
        default:
          return [];
      }
    }
    const status = this.model.status;
    return status ? childNodes(status, node) : [];
  }

  /** For TreeView.reveal (Show in Cluster View). */
  getParent(node: ClusterNode): ClusterNode | undefined {
    const status = this.model.status;
    return status ? parentNode(status, node, this.workspaces()) : undefined;
  }

  getTreeItem(node: ClusterNode): vscode.TreeItem {
    return renderClusterNode(node);
  }
}

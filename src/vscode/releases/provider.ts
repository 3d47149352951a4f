import * as vscode from 'vscode';
import type { ReleaseLibrary } from '../../core/release/library';
import { renderNode } from './items';
import type { ReleaseTreeModel } from './model';
import type { ReleaseTreeNode } from './nodes';

/** Renders the model; owns no data. `fire` asks the view to render a node (or everything) again. */
export class ReleasesTreeProvider implements vscode.TreeDataProvider<ReleaseTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReleaseTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(
    readonly model: ReleaseTreeModel,
    private readonly library: ReleaseLibrary,
  ) {
    this.subscription = model.onDidChange((node) => this.fire(node));
  }

  getTreeItem(node: ReleaseTreeNode): vscode.TreeItem {
    return renderNode(node, this.library);
  }

  getChildren(node?: ReleaseTreeNode): Promise<ReleaseTreeNode[]> {
    return this.model.children(node);
  }

  getParent(node: ReleaseTreeNode): ReleaseTreeNode | undefined {
    return node.parent;
  }

  fire(node: ReleaseTreeNode | undefined): void {
    this.changed.fire(node);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

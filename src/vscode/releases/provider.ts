import vscode = require('vscode');
import type { ReleaseLibrary } from '../../core/release/library';
import { releaseTooltip, renderNode } from './items';
import type { ReleaseTreeModel } from './model';
import type { ReleaseTreeNode } from './nodes';

/** Renders the model; owns no data. `fire` asks the view to render a node (or everything) again. */
export class ReleasesTreeProvider implements vscode.TreeDataProvider<ReleaseTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReleaseTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    readonly model: ReleaseTreeModel,
    private readonly library: ReleaseLibrary,
  ) {}

  getTreeItem(node: ReleaseTreeNode): vscode.TreeItem {
    return renderNode(node, this.library);
  }

  /**
   * A release row's tooltip describes what was read (digest, created, contents). It is made on hover rather than by
   * re-rendering the row when the read ends, which would race with the view expanding the row's new children.
   */
  resolveTreeItem(item: vscode.TreeItem, node: ReleaseTreeNode): vscode.TreeItem {
    if (node.kind === 'release') item.tooltip = releaseTooltip(node.pullSpec, this.library.get(node.pullSpec), node.phase, node.downloadURL);
    return item;
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
    this.changed.dispose();
  }
}

import vscode = require('vscode');
import { formatOverride } from '../../core/cluster/overrides';
import type { ClusterModel, ClusterState } from './model';

/** "$(warning) OKD: 1 override" in the warning colour while the cluster has overrides; a click shows the view. */
export class OverridesStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  visible = false;
  private readonly subscription: vscode.Disposable;

  constructor(model: ClusterModel) {
    this.item = vscode.window.createStatusBarItem('okd.cluster.overrides', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'OKD Cluster Overrides';
    this.item.command = { command: 'okd.cluster.focus', title: 'Show the Cluster view' };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.subscription = model.onDidChange((state) => this.update(state));
    this.update(model.state);
  }

  private update(state: ClusterState): void {
    // Only a connected read says anything about overrides; while reconnecting the last word stands.
    if (state.kind === 'connecting') return;
    const overrides = state.kind === 'connected' ? state.status.overrides : [];
    if (!overrides.length) {
      this.item.hide();
      this.visible = false;
      return;
    }
    const status = state.kind === 'connected' ? state.status : undefined;
    this.item.text = `$(warning) OKD: ${overrides.length} override${overrides.length === 1 ? '' : 's'}`;
    const lines = overrides.map((o) => `- \`${formatOverride(o)}\`${o.ours ? ' (okd-dev)' : ''}`);
    this.item.tooltip = new vscode.MarkdownString(
      `**ClusterVersion overrides** on ${status?.context ?? 'the cluster'}: the cluster-version operator leaves these alone and the cluster cannot be upgraded.\n\n${lines.join('\n')}\n\nClick to show the Cluster view.`,
    );
    this.item.show();
    this.visible = true;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

import vscode = require('vscode');
import type { ResultRowNode, ResultsGroupNode, ResultsNode } from './nodes';

/** How the Results rows look: state icons, counts, and the link a row opens when clicked. */
export function renderResultsNode(node: ResultsNode | ResultsGroupNode | ResultRowNode): vscode.TreeItem {
  const { Collapsed, Expanded, None } = vscode.TreeItemCollapsibleState;
  let item: vscode.TreeItem;
  switch (node.kind) {
    case 'results':
      item = new vscode.TreeItem('Results', Collapsed);
      item.description = 'release controller';
      item.tooltip = `What ${new URL(node.url).host} says about ${node.tag} in stream ${node.stream}: phase, blocking and informing jobs, upgrades tested. Read when expanded.`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'okd.results';
      break;
    case 'resultsGroup':
      // Blocking jobs, and anything that failed, open at once: that is what a person looks for.
      item = new vscode.TreeItem(node.label, node.rows.length === 0 ? None : node.section === 'blocking' || node.failed ? Expanded : Collapsed);
      item.description = node.description;
      item.iconPath = node.failed ? stateIcon('Failed') : new vscode.ThemeIcon(node.section.startsWith('upgrades') ? 'arrow-swap' : 'checklist');
      item.contextValue = 'okd.resultsGroup';
      break;
    case 'resultRow':
      item = new vscode.TreeItem(node.label, None);
      item.description = node.description;
      item.tooltip = node.tooltip;
      item.iconPath = stateIcon(node.state);
      if (node.url) item.command = { command: 'vscode.open', title: 'Open Link', arguments: [vscode.Uri.parse(node.url)] };
      item.contextValue = node.url ? 'okd.resultRow.link' : 'okd.resultRow';
      break;
  }
  return item;
}

function stateIcon(state: string): vscode.ThemeIcon {
  switch (state) {
    case 'Succeeded':
    case 'Accepted':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'Failed':
    case 'Rejected':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'Reachable':
      return new vscode.ThemeIcon('arrow-circle-up', new vscode.ThemeColor('testing.iconPassed'));
    case 'Unreachable':
      return new vscode.ThemeIcon('circle-slash');
    case 'Pending':
      return new vscode.ThemeIcon('clock', new vscode.ThemeColor('testing.iconQueued'));
    default:
      return new vscode.ThemeIcon('circle-large-outline');
  }
}

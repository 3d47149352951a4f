import * as vscode from 'vscode';

/** Wiring only: activate() touches no network, cluster or disk-heavy work. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('OKD', { log: true });
  context.subscriptions.push(log, vscode.commands.registerCommand('okd.showLog', () => log.show(true)));
  log.info('OKD Operator Dev activated');
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}

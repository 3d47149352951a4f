import * as vscode from 'vscode';
import { registerCluster } from './vscode/cluster/lazy';
import { registerHover } from './vscode/hover';
import { registerReleases } from './vscode/releases';
import { Services } from './vscode/services';

/**
 * Wiring only. activate() touches no network, cluster or disk-heavy work: views read their sources when they are
 * first shown, and the cluster code (with @kubernetes/client-node) is loaded from dist/cluster.js on first use.
 */
export function activate(context: vscode.ExtensionContext): void {
  const services = new Services(context);
  context.subscriptions.push(
    services,
    vscode.commands.registerCommand('okd.showLog', () => services.log.show(true)),
    ...registerReleases(services),
    ...registerHover(services),
    ...registerCluster(services),
  );
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}

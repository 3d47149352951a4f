import vscode = require('vscode');
import { type ClusterApi, clusterApi, registerCluster } from './vscode/cluster/lazy';
import { registerCustomRelease } from './vscode/custom';
import { registerHover } from './vscode/hover';
import { attachClusterToReleases, registerReleases, releasesApi, type ReleasesApi } from './vscode/releases';
import { Services } from './vscode/services';
import { registerWorkspace } from './vscode/workspace';

/**
 * Wiring only. activate() touches no network, cluster or disk-heavy work: views read their sources when they are
 * first shown, and the cluster code (with @kubernetes/client-node) is loaded from dist/cluster.js on first use.
 */
export function activate(context: vscode.ExtensionContext): Partial<ReleasesApi & ClusterApi> {
  const activateStarted = performance.now();
  const services = new Services(context);
  const releases = registerReleases(services);
  const cluster = registerCluster(services);
  attachClusterToReleases(releases, cluster);
  context.subscriptions.push(
    services,
    vscode.commands.registerCommand('okd.showLog', () => services.log.show(true)),
    ...releases,
    ...registerCustomRelease(services, releases),
    ...registerHover(services),
    ...cluster,
    ...registerWorkspace(services, cluster),
  );
  // Our share of activation, as VS Code counts it (code loading + activate()), from marks the bundle's banner and
  // footer set; the extension host's own work between loading and activating is not ours.
  const { __okdLoadStarted: loadStarted, __okdLoadEnded: loadEnded } = globalThis as { __okdLoadStarted?: number; __okdLoadEnded?: number };
  const loadMs = loadStarted !== undefined && loadEnded !== undefined ? loadEnded - loadStarted : undefined;
  const activateMs = performance.now() - activateStarted;
  services.logger.info(
    loadMs === undefined
      ? `OKD Operator Dev activated in ${activateMs.toFixed(1)} ms`
      : `OKD Operator Dev activated in ${(loadMs + activateMs).toFixed(1)} ms (loading ${loadMs.toFixed(1)} ms, activate() ${activateMs.toFixed(1)} ms)`,
  );
  // For the extension-host tests: they read the Release Explorer's and the Cluster view's trees through their providers.
  return { ...releasesApi(releases), ...clusterApi(cluster) };
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}

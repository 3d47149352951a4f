// The cluster feature, bundled on its own as dist/cluster.js (with @kubernetes/client-node): lazy.ts requires it
// when the Cluster view first asks for its rows or a cluster command first runs.
import vscode = require('vscode');
import { CancelledError } from '../../core/cancel';
import { OkdError } from '../../core/errors';
import { type ClusterUpgradeSource, upgradeSourceOf } from '../../core/cluster/upgradeSource';
import type { Services } from '../services';
import type { WorkspaceAwareness } from '../workspace/awareness';
import { applyManifests } from './commands/applyManifests';
import { devLoop } from './commands/devLoop';
import { openRelease } from './commands/openRelease';
import { patchOperator } from './commands/patchOperator';
import { refresh } from './commands/refresh';
import { restoreAll } from './commands/restoreAll';
import { restoreOperator } from './commands/restoreOperator';
import { reveal } from './commands/reveal';
import { showOperatorLogs } from './commands/showOperatorLogs';
import { switchContext } from './commands/switchContext';
import { upgradeCluster } from './commands/upgradeCluster';
import type { ClusterCommand, ClusterContext } from './commands/types';
import { manifestDiffDocuments } from './manifestsDiff';
import { ClusterModel } from './model';
import type { ClusterNode } from './nodes';
import { PodLogFollowers } from './podLogs';
import { ClusterTreeProvider } from './provider';
import { OverridesStatusBar } from './statusBar';

// The builds share this bundle's core (the dev loop loads the cluster code): Build Custom Release from the
// workspace folders requires it from here.
export { buildRelease } from '../../core/release/build';

const commands: ClusterCommand[] = [refresh, switchContext, openRelease, patchOperator, restoreOperator, restoreAll, showOperatorLogs, devLoop, upgradeCluster, reveal, applyManifests];

/** What lazy.ts gives the feature: the services, and the tree view it created at activation. */
export interface ClusterHost {
  services: Services;
  view: vscode.TreeView<ClusterNode>;
  /** Tells the view its rows changed. */
  refreshView(): void;
  /** What the open checkout builds (extension bundle); the view shows it, started once the cluster is connected. */
  workspace?: WorkspaceAwareness;
}

export interface ClusterFeature extends vscode.Disposable {
  provider: ClusterTreeProvider;
  model: ClusterModel;
  statusBar: OverridesStatusBar;
  run(id: string, args: unknown[]): Promise<unknown>;
  /**
   * The connected cluster's version, channel and update server (ClusterVersion, read now), connecting when needed;
   * undefined when no kubeconfig is set. Throws the connection's error.
   */
  upgradeSource(): Promise<ClusterUpgradeSource | undefined>;
}

/**
 * Errors cross from this bundle into the extension bundle's registerCommand, whose OkdError and CancelledError
 * are other classes: a cancellation becomes vscode.CancellationError (shared), an OkdError its one line.
 */
function forTheOtherBundle(err: unknown): unknown {
  if (err instanceof CancelledError) return new vscode.CancellationError();
  if (err instanceof OkdError) return Object.assign(new Error(err.describe()), { kind: err.kind });
  return err;
}

export function activateCluster(host: ClusterHost): ClusterFeature {
  const { services, view, workspace } = host;
  const model = new ClusterModel(services.logger, () => view.visible);
  const provider = new ClusterTreeProvider(model, () => workspace?.current() ?? []);
  const statusBar = new OverridesStatusBar(model);
  const logs = new PodLogFollowers(services.logger);
  const context: ClusterContext = { services, model, view, logs, ...(workspace ? { workspace } : {}) };
  const byId = new Map(commands.map((c) => [c.id, c]));
  const disposables: vscode.Disposable[] = [
    model,
    statusBar,
    logs,
    manifestDiffDocuments.register(),
    model.onDidChange((state) => {
      host.refreshView();
      // The Cluster view loading is one of the moments workspace detection starts; a new release re-matches.
      if (state.kind === 'connected' && workspace) {
        if (!workspace.isStarted) void workspace.ensure();
        else workspace.releaseChanged(state.status.release?.image);
      }
    }),
    ...(workspace ? [workspace.onDidChange(() => host.refreshView())] : []),
    view.onDidChangeVisibility((e) => model.viewVisibilityChanged(e.visible)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if ((e.affectsConfiguration('okd.kubeconfig') || e.affectsConfiguration('okd.context')) && model.state.kind !== 'idle') {
        services.logger.info('cluster: okd.kubeconfig or okd.context changed; reconnecting');
        void model.reconnect();
      }
    }),
  ];
  services.logger.info('cluster: feature loaded');
  return {
    provider,
    model,
    statusBar,
    async run(id, args) {
      const command = byId.get(id);
      if (!command) throw new Error(`unknown cluster command ${id}`);
      try {
        return await command.run(context, ...args);
      } catch (err) {
        throw forTheOtherBundle(err);
      }
    },
    async upgradeSource() {
      try {
        if ((await model.load()).kind === 'none') return undefined;
        const source = upgradeSourceOf(await (await model.connected()).getClusterVersion());
        if (!source) throw new OkdError('failed', 'the cluster\'s ClusterVersion "version" has no status.desired.version', 'wait until the cluster-version operator has loaded its release');
        return source;
      } catch (err) {
        throw forTheOtherBundle(err);
      }
    },
    dispose() {
      for (const d of disposables) d.dispose();
    },
  };
}

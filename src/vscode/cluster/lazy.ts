import vscode = require('vscode');
import type { ClusterUpgradeSource } from '../../core/cluster/upgradeSource';
import { registerCommand } from '../command';
import type { Services } from '../services';
import type { WorkspaceAwareness } from '../workspace/awareness';
import type { ClusterFeature } from './main';
import type { ClusterNode } from './nodes';
import { CLUSTER_VIEW_ID } from './viewId';

/**
 * Every cluster command of package.json; each loads dist/cluster.js on first use. Besides the tree rows menus pass,
 * each takes an options object, so tests and other commands drive it without pickers or confirmations, and
 * returns what it did:
 *   okd.patchOperator       {operator, image, confirm?: false, wait?: false}  -> {operator, kind, namespace, name, image, overrideAdded, rollout, reason?}
 *   okd.restoreOperator     {operator, wait?: false} or 'operator'              -> RestoredOperator
 *   okd.restoreAll          {confirm?: false, wait?: false}                     -> RestoreResult
 *   okd.showOperatorLogs    {operator} | {kind?, namespace, name}, follow?: false, container? -> {pod, container, channel, lines, last?}
 *   okd.cluster.switchContext {context} ('' = the kubeconfig's current-context) -> the context set
 *   okd.cluster.openRelease {image}; okd.cluster.refresh -> 'connected' | 'error' | 'none'
 *   okd.devLoop             {path?, to?, builder?, env?, component?, save?: false}  -> DevLoopResult | {failedStage, error, stages, restore?}
 *   okd.upgradeCluster      {release, confirm?: false, wait?: false, timeoutSeconds?} or a release row -> UpgradeResult
 *   okd.cluster.reveal      {operator, workloads?, clusterOperators?} -> the id of the row shown (Show in Cluster View)
 *   okd.applyManifests      {path?, component?, confirm?: false} or the workspace row -> {component, version, objects, applied, record?}
 * `operator` is a payload component (cluster-image-registry-operator), NAMESPACE/NAME or daemonset/NAMESPACE/NAME,
 * as for the CLI.
 */
export const CLUSTER_COMMANDS = [
  'okd.cluster.refresh',
  'okd.cluster.switchContext',
  'okd.cluster.openRelease',
  'okd.patchOperator',
  'okd.restoreOperator',
  'okd.restoreAll',
  'okd.showOperatorLogs',
  'okd.devLoop',
  'okd.upgradeCluster',
  'okd.cluster.reveal',
  'okd.applyManifests',
] as const;

/**
 * The Cluster view and cluster commands as cheap stand-ins: the real code (and @kubernetes/client-node) is
 * dist/cluster.js, required when the view first asks for its rows or a command first runs. Creating the view
 * reads nothing; the kubeconfig is read only then.
 */
export class LazyCluster implements vscode.TreeDataProvider<ClusterNode>, vscode.Disposable {
  private loaded: ClusterFeature | undefined;
  private workspace: WorkspaceAwareness | undefined;
  private readonly changed = new vscode.EventEmitter<ClusterNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<ClusterNode>;

  constructor(private readonly services: Services) {
    this.view = vscode.window.createTreeView(CLUSTER_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    // The welcome text (okd.cluster.state == none) shows until the view has asked for rows.
    void vscode.commands.executeCommand('setContext', 'okd.cluster.state', 'none');
  }

  get isLoaded(): boolean {
    return this.loaded !== undefined;
  }

  feature(): ClusterFeature {
    if (!this.loaded) {
      const started = Date.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- dist/cluster.js, external to this bundle
      const { activateCluster } = require('./cluster.js') as typeof import('./main');
      this.loaded = activateCluster({
        services: this.services,
        view: this.view,
        refreshView: () => this.changed.fire(undefined),
        ...(this.workspace ? { workspace: this.workspace } : {}),
      });
      this.services.logger.info(`cluster: loaded dist/cluster.js in ${Date.now() - started} ms`);
    }
    return this.loaded;
  }

  /** The awareness of what the open checkout builds: the view shows it, Build, Push & Patch records its result. */
  attachWorkspace(workspace: WorkspaceAwareness): void {
    this.workspace = workspace;
  }

  /** The cluster's current release (status.desired.image), connecting when needed; undefined without a cluster. */
  async currentReleaseImage(): Promise<string | undefined> {
    const model = this.feature().model;
    await model.load();
    return model.status?.release?.image;
  }

  /** What the cluster runs, its channel and update server (Results' upgrade row); undefined without a kubeconfig. */
  upgradeSource(): Promise<ClusterUpgradeSource | undefined> {
    return this.feature().upgradeSource();
  }

  getChildren(node?: ClusterNode): vscode.ProviderResult<ClusterNode[]> {
    return this.feature().provider.getChildren(node);
  }

  getParent(node: ClusterNode): vscode.ProviderResult<ClusterNode> {
    return this.feature().provider.getParent(node);
  }

  getTreeItem(node: ClusterNode): vscode.TreeItem {
    return this.feature().provider.getTreeItem(node);
  }

  dispose(): void {
    this.loaded?.dispose();
    this.view.dispose();
    this.changed.dispose();
  }
}

export function registerCluster(services: Services): vscode.Disposable[] {
  const cluster = new LazyCluster(services);
  return [cluster, ...CLUSTER_COMMANDS.map((id) => registerCommand(services, id, (...args: unknown[]) => cluster.feature().run(id, args)))];
}

/** For the extension-host tests (activate() returns it): the tree, and what the status bar and model show. */
export interface ClusterApi {
  clusterTree: vscode.TreeDataProvider<ClusterNode>;
  cluster: {
    readonly loaded: boolean;
    state(): string;
    statusBar(): { text: string; visible: boolean; background?: string };
  };
}

export function clusterApi(disposables: readonly vscode.Disposable[]): ClusterApi | undefined {
  const cluster = disposables.find((d): d is LazyCluster => d instanceof LazyCluster);
  if (!cluster) return undefined;
  return {
    clusterTree: cluster,
    cluster: {
      get loaded() {
        return cluster.isLoaded;
      },
      state: () => (cluster.isLoaded ? cluster.feature().model.state.kind : 'idle'),
      statusBar: () => {
        if (!cluster.isLoaded) return { text: '', visible: false };
        const bar = cluster.feature().statusBar;
        return { text: bar.item.text, visible: bar.visible, ...(bar.item.backgroundColor ? { background: bar.item.backgroundColor.id } : {}) };
      },
    },
  };
}

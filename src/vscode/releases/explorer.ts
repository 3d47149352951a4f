import vscode = require('vscode');
import type { CancellationTokenLike } from '../../core/cancel';
import type { ClusterUpgradeSource } from '../../core/cluster/upgradeSource';
import { OkdError } from '../../core/errors';
import type { Release } from '../../core/release/model';
import { ReleaseControllerClient } from '../../core/releasecontroller/client';
import type { Services } from '../services';
import { pinRelease, readSettings, unpinRelease } from '../settings';
import { ChangelogDocuments } from './changelog';
import { ReleaseDocuments } from './documents';
import { ReleaseTreeModel, type ReleaseSources } from './model';
import { type ReleaseNode, releaseNodeOf, type ReleaseTreeNode } from './nodes';
import { ReleasesTreeProvider } from './provider';
import { RefreshScheduler } from './refresh';

export const VIEW_ID = 'okd.releases';
const EMPTY_CONTEXT = 'okd.releases.empty';

function readSources(): ReleaseSources {
  const s = readSettings();
  return {
    controllers: s.releaseControllers.filter((c) => typeof c.url === 'string' && c.url.trim() !== '').map((c) => ({ url: c.url.trim(), streams: c.streams })),
    repositories: s.releaseRepositories.map((r) => r.trim()).filter(Boolean),
    pinned: s.pinnedReleases.map((p) => p.trim()).filter(Boolean),
  };
}

/**
 * The Release Explorer: the model, the provider that renders it, the tree view, the refresh scheduler and the
 * document provider, plus the operations commands share (pin, read with progress, reveal).
 */
export class ReleaseExplorer implements vscode.Disposable {
  readonly model: ReleaseTreeModel;
  readonly provider: ReleasesTreeProvider;
  readonly view: vscode.TreeView<ReleaseTreeNode>;
  /** Changelog documents Compare opens. */
  readonly changelogs: ChangelogDocuments;
  private readonly scheduler: RefreshScheduler;
  private readonly controllers = new Map<string, ReleaseControllerClient>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The connected cluster's upgrade source (the Cluster feature's, attached after both are registered). */
  private clusterSource: (() => Promise<ClusterUpgradeSource | undefined>) | undefined;

  constructor(readonly services: Services) {
    const logger = services.logger;
    this.model = new ReleaseTreeModel({
      sources: readSources,
      library: services.library,
      listTags: (registry, repository, token) => services.registry().listTags(registry, repository, {}, token),
      controller: (url) => {
        let client = this.controllers.get(url);
        if (!client) {
          client = new ReleaseControllerClient(url, { logger });
          this.controllers.set(url, client);
        }
        return client;
      },
      clusterUpgradeSource: () => (this.clusterSource ? this.clusterSource() : Promise.resolve(undefined)),
      logger,
      withProgress: (title, task) => Promise.resolve(vscode.window.withProgress({ location: { viewId: VIEW_ID }, title }, task)),
    });
    this.provider = new ReleasesTreeProvider(this.model, services.library);
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true, canSelectMany: true });
    this.scheduler = new RefreshScheduler(
      () => this.view.visible,
      (nodes) => {
        for (const node of nodes) {
          logger.info(`releases: refresh ${node ? node.id : 'all'}`);
          this.model.invalidate(node);
          this.provider.fire(node);
        }
        this.updateContext();
      },
    );
    const documents = new ReleaseDocuments(services.library);
    this.changelogs = new ChangelogDocuments(services.library, () => services.cache().dir, logger);
    this.disposables.push(
      this.view,
      this.provider,
      ...documents.register(),
      ...this.changelogs.register(),
      this.view.onDidChangeVisibility((e) => {
        if (e.visible) this.scheduler.viewBecameVisible();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('okd.releaseControllers') || e.affectsConfiguration('okd.releaseRepositories') || e.affectsConfiguration('okd.pinnedReleases')) {
          this.controllers.clear();
          if (this.model.reloadSources()) this.provider.fire(undefined);
          else if (e.affectsConfiguration('okd.pinnedReleases')) this.provider.fire(this.model.pinnedRoot());
          this.updateContext();
        }
      }),
    );
    this.updateContext();
  }

  /** Lets Results ask the connected cluster what it runs (called once, at activation; reads nothing). */
  attachCluster(source: () => Promise<ClusterUpgradeSource | undefined>): void {
    this.clusterSource = source;
  }

  /** Debounced refresh of a node (everything when undefined); waits while the view is hidden. */
  refresh(node: ReleaseTreeNode | undefined): void {
    this.scheduler.request(node);
  }

  updateContext(): void {
    void vscode.commands.executeCommand('setContext', EMPTY_CONTEXT, this.model.isEmpty());
  }

  /** Adds a release under Pinned (shown at once, saved in okd.pinnedReleases) and returns its node. */
  async pin(pullSpec: string): Promise<ReleaseNode> {
    const { node, rootsChanged } = this.model.addPendingPin(pullSpec);
    this.provider.fire(rootsChanged ? undefined : this.model.pinnedRoot());
    this.updateContext();
    this.services.logger.info(`releases: pin ${pullSpec}`);
    await pinRelease(pullSpec);
    return node;
  }

  async unpin(pullSpec: string): Promise<void> {
    this.services.logger.info(`releases: unpin ${pullSpec}`);
    this.model.removePendingPin(pullSpec);
    await unpinRelease(pullSpec);
    if (this.model.reloadSources()) this.provider.fire(undefined);
    else this.provider.fire(this.model.pinnedRoot());
    this.updateContext();
  }

  /**
   * The release, read with a cancellable progress notification unless it is loaded already (or a token of a
   * caller's own progress is given).
   */
  async loadRelease(pullSpec: string, token?: CancellationTokenLike): Promise<Release> {
    const loaded = this.services.library.get(pullSpec);
    if (loaded) return loaded;
    if (token) return this.model.loadRelease(pullSpec, token);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reading release ${pullSpec}`, cancellable: true },
      (_progress, t) => this.model.loadRelease(pullSpec, t),
    );
  }

  /** The release node of the first selected node, if any. */
  selectedRelease(): ReleaseNode | undefined {
    for (const node of this.view.selection) {
      const release = releaseNodeOf(node);
      if (release) return release;
    }
    return undefined;
  }

  /**
   * Shows a release (pinning it when no source lists it) and, with `component`, its image under Images: the
   * release is read first so the node can be expanded to it.
   */
  async reveal(pullSpec: string, component?: string): Promise<ReleaseTreeNode> {
    let node = this.model.releaseNodes(pullSpec)[0];
    if (!node) node = readSources().pinned.includes(pullSpec) ? this.model.pinnedReleaseNode(pullSpec) : await this.pin(pullSpec);
    await this.loadRelease(pullSpec);
    let target: ReleaseTreeNode = node;
    if (component) {
      const images = await this.model.group(node, 'images');
      const hit = (await this.model.children(images)).find((c) => c.kind === 'image' && c.component.name === component);
      if (!hit) throw new OkdError('not-found', `release ${pullSpec} has no image named ${component}`);
      target = hit;
    }
    this.services.logger.info(`releases: reveal ${target.id}`);
    await this.view.reveal(target, { select: true, focus: true, expand: target === node ? 1 : false });
    return target;
  }

  dispose(): void {
    this.scheduler.dispose();
    this.model.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

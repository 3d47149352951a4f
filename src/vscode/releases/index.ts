import type * as vscode from 'vscode';
import { LazyCluster } from '../cluster/lazy';
import { registerCommand } from '../command';
import type { Services } from '../services';
import { addRelease } from './commands/addRelease';
import { buildPushPatchOperator } from './commands/buildPushPatchOperator';
import { compareManifest } from './commands/compareManifest';
import { compareReleases } from './commands/compareReleases';
import { copyDigestPullspec } from './commands/copyDigestPullspec';
import { copyPullspec } from './commands/copyPullspec';
import { loadMore } from './commands/loadMore';
import { openCommit } from './commands/openCommit';
import { openManifest } from './commands/openManifest';
import { openSourceRepository } from './commands/openSourceRepository';
import { patchIntoCluster } from './commands/patchIntoCluster';
import { refreshNode } from './commands/refreshNode';
import { refreshReleases } from './commands/refreshReleases';
import { retry } from './commands/retry';
import { revealInExplorer } from './commands/revealInExplorer';
import { showInClusterView } from './commands/showInClusterView';
import { showReleaseInfo } from './commands/showReleaseInfo';
import type { ReleaseCommand } from './commands/types';
import { unpinRelease } from './commands/unpinRelease';
import { ReleaseExplorer } from './explorer';
import type { ReleasesTreeProvider } from './provider';

export type { ReleaseTreeNode } from './nodes';
export type { ReleasesTreeProvider } from './provider';

const commands: ReleaseCommand[] = [
  addRelease,
  refreshReleases,
  refreshNode,
  retry,
  loadMore,
  unpinRelease,
  copyPullspec,
  copyDigestPullspec,
  openCommit,
  showReleaseInfo,
  compareReleases,
  compareManifest,
  openManifest,
  revealInExplorer,
  patchIntoCluster,
  buildPushPatchOperator,
  openSourceRepository,
  showInClusterView,
];

/**
 * The Release Explorer (okd.releases) and its commands. Creating the view reads nothing: sources are read when
 * the view first asks for its children.
 */
export function registerReleases(services: Services): vscode.Disposable[] {
  const explorer = new ReleaseExplorer(services);
  return [explorer, ...commands.map((command) => registerCommand(services, command.id, (...args: unknown[]) => command.run(explorer, ...args)))];
}

/**
 * Lets the Release Explorer's Results ask the cluster (the Cluster feature among registerCluster's disposables)
 * what it runs; the cluster code is loaded only when a Results row is expanded.
 */
export function attachClusterToReleases(releases: readonly vscode.Disposable[], cluster: readonly vscode.Disposable[]): void {
  const explorer = releases.find((d): d is ReleaseExplorer => d instanceof ReleaseExplorer);
  const lazy = cluster.find((d): d is LazyCluster => d instanceof LazyCluster);
  if (explorer && lazy) explorer.attachCluster(() => lazy.upgradeSource());
}

/** What activate() returns for tests: the tree's data provider (getChildren/getTreeItem/getParent). */
export interface ReleasesApi {
  releasesTree: ReleasesTreeProvider;
}

/** Finds the explorer among the disposables registerReleases returned. */
export function releasesApi(disposables: readonly vscode.Disposable[]): ReleasesApi | undefined {
  const explorer = disposables.find((d): d is ReleaseExplorer => d instanceof ReleaseExplorer);
  return explorer ? { releasesTree: explorer.provider } : undefined;
}

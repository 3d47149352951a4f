import type { CancellationTokenLike } from '../../../core/cancel';
import type { ClusterUpgradeSource } from '../../../core/cluster/upgradeSource';
import type { Logger } from '../../../core/log';
import type { ReleaseLibrary } from '../../../core/release/library';
import type { ReleaseStreamTags } from '../../../core/releasecontroller/client';
import type { UpgradeGraph } from '../../../core/releasecontroller/graph';
import type { ReleaseResults } from '../../../core/releasecontroller/results';

export interface ReleaseSources {
  controllers: { url: string; streams: string[] }[];
  repositories: string[];
  pinned: string[];
}

/** What the model reads from; the extension passes the settings, the shared library and registry. */
export interface ReleaseTreeDeps {
  sources(): ReleaseSources;
  library: ReleaseLibrary;
  listTags(registry: string, repository: string, token: CancellationTokenLike): Promise<string[]>;
  controller(url: string): {
    streamTags(stream: string, options: object, token?: CancellationTokenLike): Promise<ReleaseStreamTags>;
    releaseStreams(kind: 'accepted', token?: CancellationTokenLike): Promise<Record<string, string[]>>;
    releaseResults(stream: string, tag: string, token?: CancellationTokenLike): Promise<ReleaseResults>;
    upgradeGraph(channel: string, token?: CancellationTokenLike): Promise<UpgradeGraph>;
  };
  /**
   * What the connected cluster runs, its channel and update server (the cluster code, loaded on first use);
   * undefined when there is no cluster to ask (no kubeconfig). Throws why the cluster could not be read.
   */
  clusterUpgradeSource(): Promise<ClusterUpgradeSource | undefined>;
  logger: Logger;
  /** Runs a read so the view shows that it is busy. */
  withProgress<T>(title: string, task: () => Promise<T>): Promise<T>;
}

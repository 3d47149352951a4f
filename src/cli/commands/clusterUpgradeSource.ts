import { OkdError } from '../../core/errors';
import { type ClusterUpgradeSource, upgradeSourceOf } from '../../core/cluster/upgradeSource';
import { type ClusterFlags, connect } from './clusterConnect';

export type { ClusterUpgradeSource } from '../../core/cluster/upgradeSource';

/** What `okd-dev release upgrades` asks of the connected cluster: the version it runs, its channel and update server. */
export async function clusterUpgradeSource(flags: ClusterFlags): Promise<ClusterUpgradeSource> {
  const { client } = await connect(flags);
  const source = upgradeSourceOf(await client.getClusterVersion());
  if (!source) {
    throw new OkdError('failed', 'the cluster\'s ClusterVersion "version" has no status.desired.version', 'give the version with --from VERSION');
  }
  return source;
}

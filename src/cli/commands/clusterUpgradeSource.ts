import { OkdError } from '../../core/errors';
import { type ClusterFlags, connect } from './clusterConnect';

/** What `okd-dev release upgrades` asks of the connected cluster: the version it runs, its channel and update server. */
export interface ClusterUpgradeSource {
  version: string;
  channel?: string;
  upstream?: string;
}

export async function clusterUpgradeSource(flags: ClusterFlags): Promise<ClusterUpgradeSource> {
  const { client } = await connect(flags);
  const cv = await client.getClusterVersion();
  const version = cv.status?.desired?.version;
  if (!version) {
    throw new OkdError('failed', 'the cluster\'s ClusterVersion "version" has no status.desired.version', 'give the version with --from VERSION');
  }
  const spec = (cv.spec ?? {}) as { channel?: string; upstream?: string };
  return { version, ...(spec.channel ? { channel: spec.channel } : {}), ...(spec.upstream ? { upstream: spec.upstream } : {}) };
}

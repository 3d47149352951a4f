import { clusterReleaseImage } from '../../core/cluster/releaseImage';
import { type ClusterFlags, connect } from './clusterConnect';

/** The release image of the kubeconfig's cluster (`release info` with no PULLSPEC). */
export async function currentReleaseImage(flags: ClusterFlags): Promise<string> {
  const { client } = await connect(flags);
  return clusterReleaseImage(await client.getClusterVersion(), client.context);
}

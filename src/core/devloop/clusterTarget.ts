// The dev loop's push target when no dev repository is set: the cluster's own registry, in the namespace of the
// workload the image is for (`ROUTE/<namespace>/<component>`), pulled by the pods through the internal hostname.
import type { ClusterClient } from '../cluster/client';
import { type ClusterPushTarget, clusterPushTarget, internalPullspec } from '../cluster/clusterRegistry';
import { findOperatorWorkload } from '../cluster/operator';
import type { RegistryClient } from '../registry/client';
import type { Release } from '../release/model';

/** Discovers the cluster's registry, logs in with the user's token and checks the push rights for `component`. */
export async function clusterRegistryTarget(cluster: ClusterClient, registry: RegistryClient, release: Release, component: string, say: (line: string) => void): Promise<ClusterPushTarget> {
  const workload = findOperatorWorkload(release, component);
  const target = await clusterPushTarget(cluster, registry, { namespace: workload.namespace, component });
  say(
    `no dev repository set: pushing to the cluster's own registry at ${target.to.registry}/${target.to.repository} (its route, with the token of context ${cluster.context}); the pods pull it as ${target.registry.internal}/${target.to.repository}`,
  );
  return target;
}

/** The image the workload runs: the pushed one, or its internal-hostname twin when it went to the cluster's registry. */
export function podImage(pushed: string, target: ClusterPushTarget | undefined): string {
  return target ? internalPullspec(pushed, target.registry) : pushed;
}

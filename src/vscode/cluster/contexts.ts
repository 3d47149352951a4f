import { loadKube } from '../../core/cluster/kube';
import { type KubeconfigParts, kubeconfigFiles, mergeKubeconfigs } from '../../core/cluster/kubeconfig';
import { OkdError } from '../../core/errors';

export interface KubeContext {
  name: string;
  cluster: string;
  server?: string;
  user: string;
  namespace?: string;
  current: boolean;
}

/** The contexts of the kubeconfig kubectl would read (or `kubeconfig`), merged as kubectl merges them. */
export async function listContexts(kubeconfig: string | undefined): Promise<{ files: string[]; contexts: KubeContext[] }> {
  const files = kubeconfigFiles(kubeconfig ? { kubeconfig } : {});
  if (!files.length) throw new OkdError('not-found', 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist', 'log in with `oc login`, or set okd.kubeconfig');
  const { KubeConfig } = await loadKube();
  const parts: KubeconfigParts[] = files.map((file) => {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new OkdError('invalid-input', `kubeconfig ${file} cannot be read: ${(err as Error).message.split('\n')[0]}`, 'check the file or okd.kubeconfig');
    }
    return { clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext };
  });
  const merged = mergeKubeconfigs(parts);
  return {
    files,
    contexts: merged.contexts.map((c) => ({
      name: c.name,
      cluster: c.cluster,
      ...(merged.clusters.find((k) => k.name === c.cluster)?.server ? { server: merged.clusters.find((k) => k.name === c.cluster)?.server as string } : {}),
      user: c.user,
      ...(c.namespace ? { namespace: c.namespace } : {}),
      current: c.name === merged.currentContext,
    })),
  };
}

import { readKubeconfig } from '../../core/cluster/kubeconfig';

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
  const { files, merged } = await readKubeconfig(kubeconfig ? { kubeconfig } : {});
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

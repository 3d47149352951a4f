// client-node's typed API clients for the calls ClusterClient does not have (DaemonSets, Secrets, ServiceAccounts,
// ConfigMaps): one of each per ClusterClient, made from its kubeconfig, and every failure an OkdError naming the
// object (clusterError), with only the first line of the message logged (a Secret's body never is).
import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { ClusterClient } from './client';
import { clusterError, type RequestWhat } from './errors';
import { type KubeModule, loadKube } from './kube';

export interface TypedApis {
  apps: AppsV1Api;
  core: CoreV1Api;
  /** The header option that makes a patch call send a JSON patch. */
  jsonPatch: ReturnType<KubeModule['setHeaderOptions']>;
}

const apis = new WeakMap<ClusterClient, Promise<TypedApis>>();

function apisOf(client: ClusterClient): Promise<TypedApis> {
  let api = apis.get(client);
  if (!api) {
    api = loadKube().then((kube) => ({
      apps: client.config.kubeConfig.makeApiClient(kube.AppsV1Api),
      core: client.config.kubeConfig.makeApiClient(kube.CoreV1Api),
      jsonPatch: kube.setHeaderOptions('Content-Type', kube.PatchStrategy.JsonPatch),
    }));
    apis.set(client, api);
  }
  return api;
}

/** Runs one typed call; a failure becomes the OkdError a user reads (`patch daemonsets.apps "x" in ns: ...`). */
export async function typedCall<T>(client: ClusterClient, what: RequestWhat, request: (api: TypedApis) => Promise<unknown>): Promise<T> {
  try {
    return (await request(await apisOf(client))) as T;
  } catch (err) {
    client.logger.debug(`${what.verb} ${what.resource} ${what.namespace ?? ''}/${what.name ?? ''}: ${(err as Error).message?.split('\n')[0]}`);
    throw clusterError(err, what, client);
  }
}

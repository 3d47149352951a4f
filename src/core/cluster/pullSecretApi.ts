// The Secret and ServiceAccount calls pull access needs (ClusterClient has none): one CoreV1Api per client, made
// from its kubeconfig, every failure an OkdError naming the object, as workloads.ts does for DaemonSets.
import type { CoreV1Api } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { ClusterClient } from './client';
import { clusterError, type RequestWhat } from './errors';
import { type KubeModule, loadKube } from './kube';
import type { Secret } from './pullSecretMerge';
import type { JsonPatchOp, ObjectMeta } from './types';

export interface ServiceAccount {
  metadata: ObjectMeta;
  imagePullSecrets?: { name?: string }[];
}

interface CoreApi {
  core: CoreV1Api;
  jsonPatch: ReturnType<KubeModule['setHeaderOptions']>;
}

const coreApis = new WeakMap<ClusterClient, Promise<CoreApi>>();

function coreOf(client: ClusterClient): Promise<CoreApi> {
  let api = coreApis.get(client);
  if (!api) {
    api = loadKube().then((kube) => ({
      core: client.config.kubeConfig.makeApiClient(kube.CoreV1Api),
      jsonPatch: kube.setHeaderOptions('Content-Type', kube.PatchStrategy.JsonPatch),
    }));
    coreApis.set(client, api);
  }
  return api;
}

async function call<T>(client: ClusterClient, what: RequestWhat, request: (api: CoreApi) => Promise<unknown>): Promise<T> {
  try {
    return (await request(await coreOf(client))) as T;
  } catch (err) {
    // The message only: a Secret's body is never logged.
    client.logger.debug(`${what.verb} ${what.resource} ${what.namespace ?? ''}/${what.name ?? ''}: ${(err as Error).message?.split('\n')[0]}`);
    throw clusterError(err, what, client);
  }
}

export function getSecret(client: ClusterClient, namespace: string, name: string): Promise<Secret> {
  return call(client, { verb: 'get', resource: 'secrets', namespace, name }, ({ core }) => core.readNamespacedSecret({ namespace, name }));
}

export function patchSecret(client: ClusterClient, namespace: string, name: string, ops: JsonPatchOp[]): Promise<Secret> {
  return call(client, { verb: 'patch', resource: 'secrets', namespace, name }, ({ core, jsonPatch }) =>
    core.patchNamespacedSecret({ namespace, name, body: ops, fieldManager: 'okd-dev' }, jsonPatch),
  );
}

export function getServiceAccount(client: ClusterClient, namespace: string, name: string): Promise<ServiceAccount> {
  return call(client, { verb: 'get', resource: 'serviceaccounts', namespace, name }, ({ core }) => core.readNamespacedServiceAccount({ namespace, name }));
}

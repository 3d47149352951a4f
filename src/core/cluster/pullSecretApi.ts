// The Secret and ServiceAccount calls pull access needs (ClusterClient has none), through typedCall.
import type { ClusterClient } from './client';
import { typedCall } from './typedApi';
import type { Secret } from './pullSecretMerge';
import type { JsonPatchOp, ObjectMeta } from './types';

export interface ServiceAccount {
  metadata: ObjectMeta;
  imagePullSecrets?: { name?: string }[];
}

export function getSecret(client: ClusterClient, namespace: string, name: string): Promise<Secret> {
  return typedCall(client, { verb: 'get', resource: 'secrets', namespace, name }, ({ core }) => core.readNamespacedSecret({ namespace, name }));
}

export function patchSecret(client: ClusterClient, namespace: string, name: string, ops: JsonPatchOp[]): Promise<Secret> {
  return typedCall(client, { verb: 'patch', resource: 'secrets', namespace, name }, ({ core, jsonPatch }) =>
    core.patchNamespacedSecret({ namespace, name, body: ops, fieldManager: 'okd-dev' }, jsonPatch),
  );
}

export function getServiceAccount(client: ClusterClient, namespace: string, name: string): Promise<ServiceAccount> {
  return typedCall(client, { verb: 'get', resource: 'serviceaccounts', namespace, name }, ({ core }) => core.readNamespacedServiceAccount({ namespace, name }));
}

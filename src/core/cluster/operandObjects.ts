// Reads, JSON patches and label-selected lists of the objects an operand patch edits: Deployments and DaemonSets
// (workloads.ts) and ConfigMaps (the core API; ClusterClient has no ConfigMap calls).
import type { ClusterClient } from './client';
import type { LiveObject, OperandObjectKind, OperandObjectRef } from './operand';
import { type TypedApis, typedCall } from './typedApi';
import type { JsonPatchOp } from './types';
import { getWorkload, isUnservedCollection, listWorkloads, patchWorkload, workloadCollectionPath } from './workloads';

/** A ConfigMap call through typedCall, named for messages. */
function configMapCall<T>(client: ClusterClient, verb: 'get' | 'patch' | 'list', ref: { namespace?: string; name?: string }, request: (api: TypedApis) => Promise<unknown>): Promise<T> {
  return typedCall<T>(client, { verb, resource: 'configmaps', ...(ref.namespace ? { namespace: ref.namespace } : {}), ...(ref.name ? { name: ref.name } : {}) }, request);
}

export async function getObject(client: ClusterClient, ref: OperandObjectRef): Promise<LiveObject> {
  const { namespace, name } = ref;
  if (ref.kind !== 'ConfigMap') return (await getWorkload(client, ref.kind, namespace, name)) as LiveObject;
  return configMapCall(client, 'get', ref, ({ core }) => core.readNamespacedConfigMap({ namespace, name }));
}

export async function patchObject(client: ClusterClient, ref: OperandObjectRef, ops: JsonPatchOp[]): Promise<LiveObject> {
  const { namespace, name } = ref;
  if (ref.kind !== 'ConfigMap') return (await patchWorkload(client, ref.kind, namespace, name, ops)) as LiveObject;
  return configMapCall(client, 'patch', ref, ({ core, jsonPatch }) => core.patchNamespacedConfigMap({ namespace, name, body: ops, fieldManager: 'okd-dev' }, jsonPatch));
}

/** Objects of one kind in every namespace with this label selector (none when the cluster does not serve the kind). */
export async function listObjects(client: ClusterClient, kind: OperandObjectKind, labelSelector: string): Promise<LiveObject[]> {
  try {
    if (kind !== 'ConfigMap') return (await listWorkloads(client, kind, labelSelector)) as LiveObject[];
    const list = await configMapCall<{ items?: LiveObject[] }>(client, 'list', {}, ({ core }) => core.listConfigMapForAllNamespaces({ labelSelector }));
    return list.items ?? [];
  } catch (err) {
    if (kind === 'DaemonSet' && isUnservedCollection(err)) return [];
    throw err;
  }
}

/** The collection of a kind in one namespace (or every namespace), for watches: ConfigMaps in the core API. */
export function objectCollectionPath(kind: OperandObjectKind, namespace?: string): string {
  return kind === 'ConfigMap' ? `/api/v1${namespace ? `/namespaces/${namespace}` : ''}/configmaps` : workloadCollectionPath(kind, namespace);
}

export const OPERAND_OBJECT_KINDS: readonly OperandObjectKind[] = ['Deployment', 'DaemonSet', 'ConfigMap'];

/** The reference of a listed object (list items carry no kind). */
export function refOf(kind: OperandObjectKind, object: LiveObject): OperandObjectRef {
  return { kind, group: kind === 'ConfigMap' ? '' : 'apps', namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

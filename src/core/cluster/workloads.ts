import type { ClusterClient } from './client';
import { statusCodeOf } from './errors';
import { typedCall } from './typedApi';
import type { DaemonSet, Deployment, JsonPatchOp, PatchableKind, PatchableWorkload } from './types';

/** Where each kind lives in the API: its collection (for watches) and its resource name (for messages). */
export const WORKLOAD_RESOURCES: Record<PatchableKind, { plural: string; resource: string; kubectl: string }> = {
  Deployment: { plural: 'deployments', resource: 'deployments.apps', kubectl: 'deploy' },
  DaemonSet: { plural: 'daemonsets', resource: 'daemonsets.apps', kubectl: 'ds' },
};

/** `/apis/apps/v1/namespaces/NS/daemonsets`, or every namespace's collection without one. */
export function workloadCollectionPath(kind: PatchableKind, namespace?: string): string {
  return `/apis/apps/v1${namespace ? `/namespaces/${namespace}` : ''}/${WORKLOAD_RESOURCES[kind].plural}`;
}

/** `Deployment openshift-monitoring/cluster-monitoring-operator`, as messages name a workload. */
export function describeWorkload(kind: PatchableKind, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ?? ''}/${name}`;
}

/**
 * How okd-dev names a workload to the user and takes it back: `namespace/name` for a Deployment (what patch and
 * restore always took), `daemonset/namespace/name` for a DaemonSet.
 */
export function workloadRef(kind: PatchableKind, namespace: string, name: string): string {
  return kind === 'Deployment' ? `${namespace}/${name}` : `${kind.toLowerCase()}/${namespace}/${name}`;
}

const KIND_PREFIXES: Record<string, PatchableKind> = {
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
};

/**
 * `namespace/name` or `KIND/namespace/name` (KIND as kubectl spells it: deployment, deploy, daemonset, ds, with or
 * without `.apps`); undefined for anything else. `kind` is absent when the text does not say it.
 */
export function parseWorkloadRef(text: string): { kind?: PatchableKind; namespace: string; name: string } | undefined {
  const parts = text.split('/');
  if (parts.some((p) => !p) || parts.length < 2 || parts.length > 3) return undefined;
  if (parts.length === 2) return { namespace: parts[0] as string, name: parts[1] as string };
  const kind = KIND_PREFIXES[(parts[0] as string).toLowerCase().replace(/\.apps$/, '')];
  return kind ? { kind, namespace: parts[1] as string, name: parts[2] as string } : undefined;
}

// The DaemonSet calls go through typedCall: ClusterClient has the Deployment ones.

export function getWorkload(client: ClusterClient, kind: 'Deployment', namespace: string, name: string): Promise<Deployment>;
export function getWorkload(client: ClusterClient, kind: 'DaemonSet', namespace: string, name: string): Promise<DaemonSet>;
export function getWorkload(client: ClusterClient, kind: PatchableKind, namespace: string, name: string): Promise<PatchableWorkload>;
export function getWorkload(client: ClusterClient, kind: PatchableKind, namespace: string, name: string): Promise<PatchableWorkload> {
  if (kind === 'Deployment') return client.getDeployment(namespace, name);
  return typedCall(client, { verb: 'get', resource: WORKLOAD_RESOURCES.DaemonSet.resource, namespace, name }, ({ apps }) => apps.readNamespacedDaemonSet({ namespace, name }));
}

export function patchWorkload(client: ClusterClient, kind: PatchableKind, namespace: string, name: string, ops: JsonPatchOp[]): Promise<PatchableWorkload> {
  if (kind === 'Deployment') return client.patchDeployment(namespace, name, ops);
  return typedCall(client, { verb: 'patch', resource: WORKLOAD_RESOURCES.DaemonSet.resource, namespace, name }, ({ apps, jsonPatch }) =>
    apps.patchNamespacedDaemonSet({ namespace, name, body: ops, fieldManager: 'okd-dev' }, jsonPatch),
  );
}

/** Workloads of this kind in every namespace with this label selector. */
export async function listWorkloads(client: ClusterClient, kind: PatchableKind, labelSelector: string): Promise<PatchableWorkload[]> {
  if (kind === 'Deployment') return client.listDeployments(labelSelector);
  const list = await typedCall<{ items?: DaemonSet[] }>(client, { verb: 'list', resource: WORKLOAD_RESOURCES.DaemonSet.resource }, ({ apps }) => apps.listDaemonSetForAllNamespaces({ labelSelector }));
  return list.items ?? [];
}

/** A workload together with its kind (a list item carries no `kind`). */
export interface KindedWorkload {
  kind: PatchableKind;
  object: PatchableWorkload;
}

/**
 * A 404 for a whole collection: the API server does not serve the resource (every kube-apiserver serves
 * apps/v1 daemonsets; a small test or aggregated server may not). Such a collection holds no objects.
 */
export function isUnservedCollection(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  return statusCodeOf(cause) === 404 || (err as { kind?: string })?.kind === 'not-found';
}

/**
 * Our patched workloads of every kind (found by the label), Deployments first. A cluster that does not serve a
 * kind has none of it.
 */
export async function listPatchedWorkloads(client: ClusterClient, labelSelector: string): Promise<KindedWorkload[]> {
  const [deployments, daemonSets] = await Promise.all([
    client.listDeployments(labelSelector),
    listWorkloads(client, 'DaemonSet', labelSelector).catch((err: unknown) => {
      if (isUnservedCollection(err)) return [];
      throw err;
    }),
  ]);
  return [...deployments.map((object) => ({ kind: 'Deployment' as const, object })), ...daemonSets.map((object) => ({ kind: 'DaemonSet' as const, object }))];
}

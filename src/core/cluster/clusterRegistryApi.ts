// The API calls the cluster's own registry needs: the image config (where `oc registry info` learns the hostnames
// from), the ingress CA that signs the registry's route, and the access reviews the registry itself makes
// (imagestreams/layers in the repository's namespace: get to pull, update to push).
import type { ClusterClient } from './client';
import { clusterError, type RequestWhat } from './errors';
import { loadKube } from './kube';
import { typedCall } from './typedApi';

export interface ImageConfig {
  status?: { internalRegistryHostname?: string; externalRegistryHostnames?: string[] };
}

/** `openshift-config-managed/default-ingress-cert`: the CA bundle of the routers' default certificate. */
export const INGRESS_CA = { namespace: 'openshift-config-managed', name: 'default-ingress-cert', key: 'ca-bundle.crt' } as const;

async function call<T>(client: ClusterClient, what: RequestWhat, request: () => Promise<unknown>): Promise<T> {
  try {
    return (await request()) as T;
  } catch (err) {
    client.logger.debug(`${what.verb} ${what.resource} ${what.name ?? ''}: ${(err as Error).message?.split('\n')[0]}`);
    throw clusterError(err, what, client);
  }
}

export async function getImageConfig(client: ClusterClient): Promise<ImageConfig> {
  const kube = await loadKube();
  const custom = client.config.kubeConfig.makeApiClient(kube.CustomObjectsApi);
  return call(client, { verb: 'get', resource: 'images.config.openshift.io', name: 'cluster' }, () =>
    custom.getClusterCustomObject({ group: 'config.openshift.io', version: 'v1', plural: 'images', name: 'cluster' }),
  );
}

/** The ingress CA bundle (PEM), or undefined when the cluster does not publish one. */
export async function getIngressCa(client: ClusterClient): Promise<string | undefined> {
  const { namespace, name, key } = INGRESS_CA;
  try {
    const cm = await typedCall<{ data?: Record<string, string> }>(client, { verb: 'get', resource: 'configmaps', namespace, name }, ({ core }) => core.readNamespacedConfigMap({ namespace, name }));
    return cm.data?.[key] || undefined;
  } catch (err) {
    if ((err as { kind?: string }).kind === 'not-found' || (err as { kind?: string }).kind === 'forbidden') return undefined;
    throw err;
  }
}

/** What the registry checks for a repository `namespace/name`: `get` (pull) or `update` (push) on imagestreams/layers. */
export interface LayersAccess {
  namespace: string;
  name: string;
  verb: 'get' | 'update';
}

const layers = (a: LayersAccess) => ({ group: 'image.openshift.io', resource: 'imagestreams', subresource: 'layers', namespace: a.namespace, name: a.name, verb: a.verb });

/** May the kubeconfig's user do it (a SelfSubjectAccessReview, as the registry makes with the user's token)? */
export async function canIOnLayers(client: ClusterClient, access: LayersAccess): Promise<{ allowed: boolean; reason?: string }> {
  const kube = await loadKube();
  const authz = client.config.kubeConfig.makeApiClient(kube.AuthorizationV1Api);
  const review = await call<{ status?: { allowed?: boolean; reason?: string } }>(client, { verb: 'create', resource: 'selfsubjectaccessreviews.authorization.k8s.io' }, () =>
    authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: layers(access) } } }),
  );
  return { allowed: review.status?.allowed === true, ...(review.status?.reason ? { reason: review.status.reason } : {}) };
}

/** May this ServiceAccount do it (a SubjectAccessReview with the groups its token carries)? */
export async function canServiceAccountOnLayers(client: ClusterClient, serviceAccount: { namespace: string; name: string }, access: LayersAccess): Promise<{ allowed: boolean; reason?: string }> {
  const kube = await loadKube();
  const authz = client.config.kubeConfig.makeApiClient(kube.AuthorizationV1Api);
  const user = `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`;
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${serviceAccount.namespace}`, 'system:authenticated'];
  const review = await call<{ status?: { allowed?: boolean; reason?: string } }>(client, { verb: 'create', resource: 'subjectaccessreviews.authorization.k8s.io' }, () =>
    authz.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, groups, resourceAttributes: layers(access) } } }),
  );
  return { allowed: review.status?.allowed === true, ...(review.status?.reason ? { reason: review.status.reason } : {}) };
}

// Fixtures for the pull access tests on the test cluster: namespaces, pull secrets, ServiceAccounts and pods made
// through the API as admin, and what the node agent (the kubelet stand-in, the judge) says of a pod's pull.
import { apiRequest, type ClusterEndpoint, type HttpReply } from './clients';
import { eventually } from '../eventually';

async function must(reply: Promise<HttpReply>, what: string): Promise<HttpReply> {
  const r = await reply;
  if (r.code >= 300) throw new Error(`${what}: ${r.code} ${r.text}`);
  return r;
}

export function dockerConfigJson(host: string, username: string, password: string): string {
  return JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } });
}

/** A namespace whose `default` ServiceAccount exists (the controller makes it; pods need it). */
export async function createNamespace(cluster: ClusterEndpoint, name: string): Promise<void> {
  await must(apiRequest(cluster, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } }), `create namespace ${name}`);
  await eventually(async () => (await apiRequest(cluster, 'GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).code === 200, 30_000, `ServiceAccount ${name}/default`);
}

export async function createPullSecret(cluster: ClusterEndpoint, namespace: string, name: string, dockerconfigjson: string): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(dockerconfigjson).toString('base64') } };
  await must(apiRequest(cluster, 'POST', `/api/v1/namespaces/${namespace}/secrets`, { body }), `create secret ${namespace}/${name}`);
}

export async function createServiceAccount(cluster: ClusterEndpoint, namespace: string, name: string, pullSecrets: string[]): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, imagePullSecrets: pullSecrets.map((n) => ({ name: n })) };
  await must(apiRequest(cluster, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { body }), `create ServiceAccount ${namespace}/${name}`);
}

export async function createPod(cluster: ClusterEndpoint, namespace: string, name: string, image: string, serviceAccount = 'default'): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { serviceAccountName: serviceAccount, containers: [{ name: 'c', image }] } };
  await must(apiRequest(cluster, 'POST', `/api/v1/namespaces/${namespace}/pods`, { body }), `create pod ${namespace}/${name}`);
}

export interface PodPull {
  phase?: string;
  ready: boolean;
  waiting?: { reason?: string; message?: string };
  imagePullSecrets: string[];
}

export async function podPull(cluster: ClusterEndpoint, namespace: string, name: string): Promise<PodPull> {
  const pod = (await must(apiRequest(cluster, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`), `get pod ${namespace}/${name}`)).json as {
    spec?: { imagePullSecrets?: { name: string }[] };
    status?: { phase?: string; containerStatuses?: { ready?: boolean; state?: { waiting?: { reason?: string; message?: string } } }[] };
  };
  const c = pod.status?.containerStatuses?.[0];
  return {
    ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
    ready: c?.ready === true,
    ...(c?.state?.waiting ? { waiting: c.state.waiting } : {}),
    imagePullSecrets: (pod.spec?.imagePullSecrets ?? []).map((s) => s.name),
  };
}

/** Waits until the node agent has tried to pull: the pod runs (Ready), or its container waits on a pull error. */
export function podPullSettled(cluster: ClusterEndpoint, namespace: string, name: string, want: 'running' | 'refused', timeoutMs = 60_000): Promise<PodPull> {
  return eventually<PodPull | undefined>(async () => {
    const p = await podPull(cluster, namespace, name);
    if (want === 'running') return p.phase === 'Running' && p.ready ? p : undefined;
    return p.waiting?.reason === 'ErrImagePull' || p.waiting?.reason === 'ImagePullBackOff' ? p : undefined;
  }, timeoutMs, `pod ${namespace}/${name} ${want === 'running' ? 'running' : 'refused its image'}`) as Promise<PodPull>;
}

/** The global pull secret as stored: data and annotations (what an exact restore must give back). */
export async function readGlobalPullSecret(cluster: ClusterEndpoint): Promise<{ data: Record<string, string>; annotations: Record<string, string>; resourceVersion: string }> {
  const s = (await must(apiRequest(cluster, 'GET', '/api/v1/namespaces/openshift-config/secrets/pull-secret'), 'get the global pull secret')).json as {
    data?: Record<string, string>;
    metadata: { annotations?: Record<string, string>; resourceVersion: string };
  };
  return { data: s.data ?? {}, annotations: s.metadata.annotations ?? {}, resourceVersion: s.metadata.resourceVersion };
}

/** Replaces the global pull secret's .dockerconfigjson (as `oc set data` would). */
export async function setGlobalPullSecret(cluster: ClusterEndpoint, dockerconfigjson: string): Promise<void> {
  const body = [{ op: 'replace', path: '/data/.dockerconfigjson', value: Buffer.from(dockerconfigjson).toString('base64') }];
  await must(apiRequest(cluster, 'PATCH', '/api/v1/namespaces/openshift-config/secrets/pull-secret', { body, contentType: 'application/json-patch+json' }), 'set the global pull secret');
}

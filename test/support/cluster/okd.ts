// An OKD-like test cluster on the real control plane: a loopback registry holding a small release payload (with
// component images), and the test cluster running it through its cluster-version operator, node agent and the
// ClusterVersion/ClusterOperator CRDs. The kubeconfig has the two contexts the product's tests use: `admin` (a
// ServiceAccount token bound to cluster-admin, so expireToken() can revoke it) and `viewer` (a static token
// with read access to everything, as OpenShift's cluster-reader).
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { RegistryClient } from '../../../src/core/registry/client';
import { apiRequest } from './clients';
import { eventually } from '../eventually';
import { pushRegistryPayload, type RegistryPayload } from './payload';
import { fixturesDir } from '../fixtures';
import { startRegistry, type TestRegistry } from '../registry';
import { startCluster, type Cluster } from './index';

export interface OkdCluster extends Cluster {
  /** The kubeconfig with contexts admin (revocable token) and viewer. */
  kubeconfigPath: string;
  tokens: { admin: string; viewer: string; readOnly: string };
  /** The admin token answers 401 from now on (its ServiceAccount is deleted). */
  expireToken(token: string): Promise<void>;
  /** Waits until the CVO has finished `n` more sync passes than when called. */
  cvoSyncs(n?: number): Promise<void>;
}

export interface OkdPayloadCluster {
  registry: TestRegistry;
  client: RegistryClient;
  cluster: OkdCluster;
  release: RegistryPayload;
  /** The release image the cluster runs (digest pullspec). */
  image: string;
  stop(): Promise<void>;
}

const CLUSTER_READER = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'okd-test-cluster-reader' },
  rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
};

function binding(name: string, role: string, subject: object): object {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [subject],
  };
}

async function must(reply: Promise<{ code: number; text: string }>, what: string): Promise<{ code: number; text: string; json?: unknown }> {
  const r = await reply;
  if (r.code >= 300 && r.code !== 409) throw new Error(`${what}: ${r.code} ${r.text}`);
  return r;
}

/** Users as the product's tests know them: a revocable admin token, and a viewer who may read everything. */
async function setUpUsers(cluster: Cluster): Promise<{ admin: string }> {
  const as = cluster;
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await must(apiRequest(as, 'POST', `${rbac}/clusterroles`, { body: CLUSTER_READER }), 'create the reader role');
  await must(apiRequest(as, 'POST', `${rbac}/clusterrolebindings`, { body: binding('okd-test-viewer', CLUSTER_READER.metadata.name, { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }) }), 'bind the viewer');
  await must(apiRequest(as, 'POST', '/api/v1/namespaces/kube-system/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'okd-admin' } } }), 'create the admin ServiceAccount');
  await must(apiRequest(as, 'POST', `${rbac}/clusterrolebindings`, { body: binding('okd-test-admin', 'cluster-admin', { kind: 'ServiceAccount', name: 'okd-admin', namespace: 'kube-system' }) }), 'bind the admin');
  const token = await must(
    apiRequest(as, 'POST', '/api/v1/namespaces/kube-system/serviceaccounts/okd-admin/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 24 * 3600 } } }),
    'request the admin token',
  );
  return { admin: (token.json as { status: { token: string } }).status.token };
}

function writeKubeconfig(file: string, cluster: Cluster, admin: string): void {
  const name = 'okd-test';
  const yaml = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: cluster.url, 'certificate-authority-data': cluster.caData } }],
    users: [
      { name: 'admin', user: { token: admin } },
      { name: 'viewer', user: { token: cluster.tokens.viewer } },
    ],
    contexts: [
      { name: 'admin', context: { cluster: name, user: 'admin' } },
      { name: 'viewer', context: { cluster: name, user: 'viewer' } },
    ],
    'current-context': 'admin',
    preferences: {},
  });
  fs.writeFileSync(file, yaml, { mode: 0o600 });
}

interface CvoStatus {
  syncs: number;
  lastError?: string;
  version?: string;
  completed?: boolean;
}

async function cvoStatus(cluster: Cluster): Promise<CvoStatus> {
  return (JSON.parse(await cluster.admin('GET', '/status')) as { cvo?: CvoStatus }).cvo ?? { syncs: 0 };
}

/** A registry with a small payload, and a test cluster whose CVO runs it (applied before this resolves). */
export async function startOkdPayloadCluster(options: { version?: string; args?: string[] } = {}): Promise<OkdPayloadCluster> {
  const registry = await startRegistry();
  const client = new RegistryClient({ insecure: true });
  let cluster: Cluster | undefined;
  try {
    const release = await pushRegistryPayload(client, registry.host, options.version ?? '4.19.0-okd-scos.16');
    const image = release.payload.digestPullSpec;
    cluster = await startCluster({
      args: ['--crd-dir', path.join(fixturesDir, 'clusterversion'), '--cvo-release-image', image, '--insecure-registry', registry.host, '--nodes', '1', ...(options.args ?? [])],
    });
    const users = await setUpUsers(cluster);
    const kubeconfigPath = path.join(path.dirname(cluster.kubeconfigPath), 'okd-kubeconfig');
    writeKubeconfig(kubeconfigPath, cluster, users.admin);
    const base = cluster;
    const okd: OkdCluster = {
      ...base,
      kubeconfigPath,
      tokens: { admin: users.admin, viewer: base.tokens.viewer, readOnly: base.tokens.viewer },
      async expireToken(token) {
        if (token !== users.admin) throw new Error('only the admin token can be expired');
        await must(apiRequest(base, 'DELETE', '/api/v1/namespaces/kube-system/serviceaccounts/okd-admin'), 'delete the admin ServiceAccount');
        // The authenticator sees the deletion through its informer a moment later: wait until the token is refused.
        await eventually(async () => (await apiRequest({ ...base, tokens: { admin: token } }, 'GET', '/api/v1/namespaces')).code === 401, 30_000, 'the API server to refuse the revoked token');
      },
      async cvoSyncs(n = 2) {
        const from = (await cvoStatus(base)).syncs;
        await eventually(async () => (await cvoStatus(base)).syncs >= from + n, 60_000, `${n} more CVO sync passes`);
      },
    };
    // The payload is applied: the CVO reports the release as done.
    await eventually(async () => {
      const s = await cvoStatus(base);
      return s.version === release.version && s.completed === true;
    }, 120_000, `the CVO to apply ${release.version}`).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; CVO status ${JSON.stringify(await cvoStatus(base))}`);
    });
    return {
      registry,
      client,
      cluster: okd,
      release,
      image,
      async stop() {
        await base.stop();
        await client.close();
        await registry.stop();
      },
    };
  } catch (error) {
    await cluster?.stop();
    await client.close();
    await registry.stop();
    throw error;
  }
}

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
import { type PayloadContents, pushRegistryPayload, type RegistryPayload } from './payload';
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
  /** With `imageRegistry: true`: the cluster's registry, its default route and internal hostname. */
  imageRegistry?: { route: string; internal: string };
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

export interface OkdClusterOptions {
  /** The release image the CVO runs (read from its registry, as the real CVO does). */
  image: string;
  /** The version that image holds: resolves once the CVO reports it applied. */
  version: string;
  /** Registries spoken to over plain http (the CVO's and the node agent's). */
  insecureRegistries: string[];
  /** Extra okd-test-cluster arguments. */
  args?: string[];
  /** How long the CVO may take to apply the payload (a full one has hundreds of CRDs). */
  appliedTimeoutMs?: number;
  /** Run the cluster's own image registry (`--image-registry`), its default route exposed unless `'no-route'`. */
  imageRegistry?: boolean | 'no-route';
}

/** The test cluster running `image` through its CVO, with the product's users; resolves once the payload is applied. */
export async function startOkdCluster(options: OkdClusterOptions): Promise<OkdCluster> {
  const base = await startCluster({
    args: [
      '--crd-dir', path.join(fixturesDir, 'clusterversion'),
      '--cvo-release-image', options.image,
      ...options.insecureRegistries.flatMap((host) => ['--insecure-registry', host]),
      '--nodes', '1',
      ...(options.imageRegistry ? ['--image-registry', `--image-registry-default-route=${options.imageRegistry !== 'no-route'}`] : []),
      ...(options.args ?? []),
    ],
  });
  try {
    const users = await setUpUsers(base);
    const kubeconfigPath = path.join(path.dirname(base.kubeconfigPath), 'okd-kubeconfig');
    writeKubeconfig(kubeconfigPath, base, users.admin);
    const okd: OkdCluster = {
      ...base,
      kubeconfigPath,
      tokens: { admin: users.admin, viewer: base.tokens.viewer, readOnly: base.tokens.viewer },
      ...(base.ready.imageRegistry ? { imageRegistry: { route: base.ready.imageRegistry.route, internal: base.ready.imageRegistry.internal } } : {}),
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
      return s.version === options.version && s.completed === true;
    }, options.appliedTimeoutMs ?? 120_000, `the CVO to apply ${options.version}`).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; CVO status ${JSON.stringify(await cvoStatus(base))}`);
    });
    return okd;
  } catch (error) {
    await base.stop();
    throw error;
  }
}

/** A registry with a small payload, and a test cluster whose CVO runs it (applied before this resolves). */
export async function startOkdPayloadCluster(
  options: { version?: string; args?: string[]; contents?: PayloadContents; imageRegistry?: OkdClusterOptions['imageRegistry'] } = {},
): Promise<OkdPayloadCluster> {
  const registry = await startRegistry();
  const client = new RegistryClient({ insecure: true });
  try {
    const version = options.version ?? '4.19.0-okd-scos.16';
    const release = await pushRegistryPayload(client, registry.host, version, version, options.contents);
    const image = release.payload.digestPullSpec;
    const cluster = await startOkdCluster({
      image,
      version: release.version,
      insecureRegistries: [registry.host],
      ...(options.args ? { args: options.args } : {}),
      ...(options.imageRegistry ? { imageRegistry: options.imageRegistry } : {}),
    });
    return {
      registry,
      client,
      cluster,
      release,
      image,
      async stop() {
        await cluster.stop();
        await client.close();
        await registry.stop();
      },
    };
  } catch (error) {
    await client.close();
    await registry.stop();
    throw error;
  }
}

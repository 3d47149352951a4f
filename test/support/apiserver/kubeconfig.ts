// The kubeconfig a test hands to kubectl or the project's own client: one cluster, an admin and a read-only user.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  path: string;
  server: string;
  caPem: string;
  adminToken: string;
  viewerToken: string;
  clusterName?: string;
}

export function kubeconfigYaml(i: KubeconfigInput): string {
  const cluster = i.clusterName ?? 'okd-test';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: i.server, 'certificate-authority-data': Buffer.from(i.caPem).toString('base64') } }],
    users: [
      { name: 'admin', user: { token: i.adminToken } },
      { name: 'viewer', user: { token: i.viewerToken } },
    ],
    contexts: [
      { name: 'admin', context: { cluster, user: 'admin' } },
      { name: 'viewer', context: { cluster, user: 'viewer' } },
    ],
    'current-context': 'admin',
    preferences: {},
  });
}

export async function writeKubeconfig(i: KubeconfigInput): Promise<void> {
  await writeFile(i.path, kubeconfigYaml(i), { mode: 0o600 });
}

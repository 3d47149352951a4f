// The test cluster is a real control plane: kubectl names a real kube-apiserver release, RBAC denies the viewer,
// the real deployment and replicaset controllers act, and an API server restart keeps the port and the data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectl } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { startCluster, type Cluster } from '../support/cluster';

describe('the test cluster: a real kube-apiserver with real controllers', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    cluster = await startCluster();
    env = { PATH: process.env.PATH, HOME: cluster.kubeconfigPath.replace(/\/kubeconfig$/, ''), KUBECONFIG: cluster.kubeconfigPath };
  });
  after(() => cluster?.stop());

  it('kubectl version names a real kube-apiserver release', async () => {
    const result = await kubectl(env, ['version', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const server = (JSON.parse(result.stdout) as { serverVersion: { gitVersion: string; major: string } }).serverVersion;
    assert.match(server.gitVersion, /^v1\.3\d\.\d+$/);
    assert.equal(server.gitVersion, cluster.version);
  });

  it('authorizes with RBAC: the viewer may not list pods until a RoleBinding says so', async () => {
    const denied = await kubectl(env, ['--context', 'viewer', 'get', 'pods', '-n', 'default']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Forbidden.*User "viewer" cannot list resource "pods"/);
    assert.equal((await kubectl(env, ['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 'default'])).code, 0);
    assert.equal((await kubectl(env, ['create', 'rolebinding', 'viewer-pods', '--role=pod-reader', '--user=viewer', '-n', 'default'])).code, 0);
    const allowed = await eventually(async () => {
      const r = await kubectl(env, ['--context', 'viewer', 'get', 'pods', '-n', 'default']);
      return r.code === 0 ? r : undefined;
    }, 30_000, 'the RoleBinding to take effect');
    assert.equal(allowed?.code, 0);
  });

  it('the real deployment controller makes a ReplicaSet and its pods', async () => {
    assert.equal((await kubectl(env, ['create', 'deployment', 'web', '--image=quay.io/okd/web:1', '-n', 'default'])).code, 0);
    const pods = await eventually(async () => {
      const r = await kubectl(env, ['get', 'pods', '-n', 'default', '-l', 'app=web', '-o', 'json']);
      const items = (JSON.parse(r.stdout || '{"items":[]}') as { items: { metadata: { ownerReferences?: { kind: string }[] } }[] }).items;
      return items.length === 1 ? items : undefined;
    }, 60_000, 'a pod of the Deployment');
    assert.equal(pods?.[0]?.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
  });

  it('an API server restart keeps its port and its data', async () => {
    await cluster.restartApiServer();
    const r = await kubectl(env, ['get', 'deployment', 'web', '-n', 'default', '-o', 'jsonpath={.metadata.name}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'web');
  });
});

// Against the real kube-apiserver, with the ClusterVersion CRD as OKD ships it: kubectl explains the overrides
// schema, the schema refuses a malformed override, and a user whose Role may get the ClusterVersion but not patch
// it gets the API server's own 403 text from okd-dev, with nothing changed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { apiRequest, kubectl } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { cliEnv, runCli } from '../support/cli';
import { startCluster, type Cluster } from '../support/cluster';
import { fixturePath } from '../support/fixtures';

const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';

describe('the ClusterVersion CRD and RBAC on a real API server', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let kenv: NodeJS.ProcessEnv;
  let developerKubeconfig: string;
  const as = () => cluster;

  before(async () => {
    cluster = await startCluster();
    kenv = { PATH: process.env.PATH, HOME: path.dirname(cluster.kubeconfigPath), KUBECONFIG: cluster.kubeconfigPath };
    const crd = fixturePath('clusterversion', '0000_00_cluster-version-operator_01_clusterversions-Default.crd.yaml');
    const applied = await kubectl(kenv, ['apply', '-f', crd]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await kubectl(kenv, ['wait', '--for=condition=Established', 'crd/clusterversions.config.openshift.io', '--timeout=60s'])).code, 0);
    const cv = await eventually(async () => {
      const r = await apiRequest(as(), 'POST', '/apis/config.openshift.io/v1/clusterversions', {
        body: { apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', metadata: { name: 'version' }, spec: { clusterID: '4d7fe3b8-7d5c-4a3b-9a5e-0d3f7a7f3c11', channel: 'stable-scos-4' } },
      });
      return r.code === 201 ? r : undefined;
    }, 60_000, 'the ClusterVersion to be created');
    assert.ok(cv);
    // A developer who may read the ClusterVersion and nothing else: a ServiceAccount with a custom ClusterRole.
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'clusterversion-reader' }, rules: [{ apiGroups: ['config.openshift.io'], resources: ['clusterversions'], verbs: ['get', 'list', 'watch'] }] };
    assert.equal((await apiRequest(as(), 'POST', `${rbac}/clusterroles`, { body: role })).code, 201);
    assert.equal((await apiRequest(as(), 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'developer' } } })).code, 201);
    const bindingBody = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'developer-reads-clusterversion' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'clusterversion-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'developer', namespace: 'default' }],
    };
    assert.equal((await apiRequest(as(), 'POST', `${rbac}/clusterrolebindings`, { body: bindingBody })).code, 201);
    const token = await apiRequest(as(), 'POST', '/api/v1/namespaces/default/serviceaccounts/developer/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } });
    assert.equal(token.code, 201, token.text);
    developerKubeconfig = path.join(path.dirname(cluster.kubeconfigPath), 'developer-kubeconfig');
    fs.writeFileSync(
      developerKubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: cluster.url, 'certificate-authority-data': cluster.caData } }],
        users: [{ name: 'developer', user: { token: token.json.status.token } }],
        contexts: [{ name: 'developer', context: { cluster: 'test', user: 'developer' } }],
        'current-context': 'developer',
      }),
    );
  });
  after(() => cluster?.stop());

  it('kubectl explain clusterversion.spec.overrides shows the CRD schema', async () => {
    const r = await kubectl(kenv, ['explain', 'clusterversion.spec.overrides']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GROUP:\s+config\.openshift\.io/);
    assert.match(r.stdout, /unmanaged\s+<boolean> -required-/);
    assert.match(r.stdout, /kind\s+<string> -required-/);
  });

  it('the CRD schema refuses an override without its required fields', async () => {
    const r = await apiRequest(as(), 'PATCH', CV_PATH, { contentType: 'application/merge-patch+json', body: { spec: { overrides: [{ kind: 'Deployment', name: 'x' }] } } });
    assert.equal(r.code, 422, r.text);
    assert.match(r.json.message, /spec\.overrides\[0\]\.(group|namespace|unmanaged): Required value/);
  });

  it('a user who may get the ClusterVersion but not patch it gets the server\'s 403 text, and nothing changes', async () => {
    const before = (await apiRequest(as(), 'GET', CV_PATH)).json;
    const r = await runCli(['cluster', 'override', 'add', 'deployment/openshift-monitoring/cluster-monitoring-operator'], cliEnv({ KUBECONFIG: developerKubeconfig }));
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /^error: user system:serviceaccount:default:developer may not patch clusterversions\.config\.openshift\.io "version" \(context developer\): clusterversions\.config\.openshift\.io "version" is forbidden: User "system:serviceaccount:default:developer" cannot patch resource "clusterversions" in API group "config\.openshift\.io" at the cluster scope/,
    );
    const after = (await apiRequest(as(), 'GET', CV_PATH)).json;
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(after.spec.overrides, undefined);
  });
});

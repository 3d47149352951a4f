// Failures a user meets, each one clear line, and no change to the cluster: a wrong token (401), a read-only
// user (403), an expired token, an unreachable server, an unknown context.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../support/cluster/clients';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { cliEnv, runCli } from '../support/cli';

const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';
const DEPLOY_PATH = '/apis/apps/v1/namespaces/openshift-image-registry/deployments/cluster-image-registry-operator';
const NAME = 'cluster-image-registry-operator';

describe('okd-dev cluster errors', { timeout: 300_000 }, () => {
  let pc: OkdPayloadCluster;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const snapshot = async () => {
    const cv = (await apiRequest(pc.cluster, 'GET', CV_PATH)).json;
    const d = (await apiRequest(pc.cluster, 'GET', DEPLOY_PATH)).json;
    return { spec: cv.spec, template: d.spec.template, annotations: d.metadata.annotations ?? {} };
  };
  const kubeconfigWith = (name: string, edit: (text: string) => string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, edit(fs.readFileSync(pc.cluster.kubeconfigPath, 'utf8')));
    return file;
  };
  const patchArgs = (...extra: string[]) => ['cluster', 'patch', NAME, `${pc.registry.host}/okd/scos-content:${NAME}-4.19.0-okd-scos.16`, '--insecure', ...extra];

  before(async () => {
    pc = await startOkdPayloadCluster();
    dir = fs.mkdtempSync(path.join(path.dirname(pc.cluster.kubeconfigPath), 'kc-'));
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
  });

  after(() => pc.stop());

  it('401: a wrong token', async () => {
    const before = await snapshot();
    const file = kubeconfigWith('wrong-token', (t) => t.replace(pc.cluster.tokens.admin, 'sha256~not-a-real-token'));
    const r = await runCli(patchArgs('--kubeconfig', file), env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: the token for context admin was rejected or expired. Log in again with `oc login`\n');
    assert.equal(r.stdout, '');
    assert.deepEqual(await snapshot(), before);
  });

  it('403: a read-only user may not add the override, and nothing changes', async () => {
    const before = await snapshot();
    const r = await runCli(patchArgs('--context', 'viewer'), env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: user viewer may not patch clusterversions.config.openshift.io "version" (context viewer): clusterversions.config.openshift.io "version" is forbidden: User "viewer" cannot patch resource "clusterversions" in API group "config.openshift.io" at the cluster scope. Use a context with cluster-admin rights\n');
    assert.deepEqual(await snapshot(), before);
    const add = await runCli(['cluster', 'override', 'add', 'deployment/openshift-monitoring/cluster-monitoring-operator', '--context', 'viewer'], env);
    assert.equal(add.code, 1);
    assert.equal(add.stderr, 'error: user viewer may not patch clusterversions.config.openshift.io "version" (context viewer): clusterversions.config.openshift.io "version" is forbidden: User "viewer" cannot patch resource "clusterversions" in API group "config.openshift.io" at the cluster scope. Use a context with cluster-admin rights\n');
    assert.deepEqual(await snapshot(), before);
  });

  it('an unreachable server', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const file = kubeconfigWith('unreachable', (t) => t.replace(pc.cluster.url, `https://127.0.0.1:${port}`));
    const r = await runCli(['cluster', 'status', '--kubeconfig', file], env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: cluster https://127.0.0.1:${port} did not answer: ECONNREFUSED. Check the context\n`);
  });

  it('an unknown context lists the known ones', async () => {
    const r = await runCli(['cluster', 'restore', '--all', '--context', 'prod'], env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: context "prod" is not in ${pc.cluster.kubeconfigPath}. Use one of: admin, viewer\n`);
  });

  it('an expired token', async () => {
    const before = await snapshot();
    await pc.cluster.expireToken(pc.cluster.tokens.admin);
    const r = await runCli(patchArgs(), env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: the token for context admin was rejected or expired. Log in again with `oc login`\n');
    const status = await runCli(['cluster', 'status'], env);
    assert.equal(status.stderr, 'error: the token for context admin was rejected or expired. Log in again with `oc login`\n');
    // apiRequest uses the admin token, now expired: read with the viewer's.
    const cv = (await apiRequest(pc.cluster, 'GET', CV_PATH, { token: pc.cluster.tokens.readOnly })).json;
    assert.deepEqual(cv.spec, before.spec);
  });
});

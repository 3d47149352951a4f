import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { kubeconfigFiles, loadKubeconfig, mergeKubeconfigs, selectContext } from '../../src/core/cluster/kubeconfig';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'okd-kubeconfig-'));

function write(dir: string, name: string, o: { cluster: string; server: string; user: string; userBody: object; context: string; current?: string }): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: o.cluster, cluster: { server: o.server } }],
      users: [{ name: o.user, user: o.userBody }],
      contexts: [{ name: o.context, context: { cluster: o.cluster, user: o.user } }],
      ...(o.current ? { 'current-context': o.current } : {}),
    }),
  );
  return file;
}

describe('kubeconfig loading as kubectl does it', () => {
  it('picks --kubeconfig alone, else existing KUBECONFIG entries, else ~/.kube/config', () => {
    const exists = (f: string) => !f.includes('missing');
    assert.deepEqual(kubeconfigFiles({ kubeconfig: '/a', env: { KUBECONFIG: '/b' } }, exists), ['/a']);
    assert.deepEqual(kubeconfigFiles({ env: { KUBECONFIG: `/b${path.delimiter}/missing${path.delimiter}/c${path.delimiter}/b` } }, exists), ['/b', '/c']);
    assert.deepEqual(kubeconfigFiles({ env: {}, homeDir: '/home/u' }, exists), ['/home/u/.kube/config']);
    assert.deepEqual(kubeconfigFiles({ env: {}, homeDir: '/missing' }, exists), []);
  });

  it('merges first-wins for entries and current-context (client-node alone lets later files win)', () => {
    const a = { clusters: [{ name: 'c', server: 'https://a', skipTLSVerify: false }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: '' };
    const b = { clusters: [{ name: 'c', server: 'https://b', skipTLSVerify: false }, { name: 'd', server: 'https://d', skipTLSVerify: false }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'y', cluster: 'd', user: 'u' }], currentContext: 'y' };
    const c = { ...b, contexts: [], currentContext: 'x' };
    const merged = mergeKubeconfigs([a, b, c]);
    assert.deepEqual(merged.clusters.map((x) => x.server), ['https://a', 'https://d']);
    assert.equal(merged.users.length, 1);
    assert.equal(merged.users[0]?.token, undefined);
    assert.equal(merged.currentContext, 'y');
  });

  it('reports an unknown context with the known ones', () => {
    const config = { clusters: [], users: [], contexts: [{ name: 'admin', cluster: 'c', user: 'u' }, { name: 'viewer', cluster: 'c', user: 'v' }], currentContext: 'admin' };
    assert.throws(() => selectContext(config, 'prod', ['/k']), { message: 'context "prod" is not in /k', hint: 'use one of: admin, viewer' } as object);
    assert.throws(() => selectContext({ ...config, currentContext: '' }, undefined, ['/k']), /\/k has no current-context/);
  });

  it('loads a merged KUBECONFIG with tokens, client certificates and exec plugins (client-node applies them)', async () => {
    const dir = tmp();
    const first = write(dir, 'first', { cluster: 'one', server: 'https://one:6443', user: 'tok', userBody: { token: 'sha256~abc' }, context: 'one', current: 'one' });
    const execScript = path.join(dir, 'cred.js');
    fs.writeFileSync(execScript, `process.stdout.write(JSON.stringify({apiVersion:'client.authentication.k8s.io/v1',kind:'ExecCredential',status:{token:'from-exec'}}))`);
    const second = write(dir, 'second', {
      cluster: 'two',
      server: 'https://two:6443',
      user: 'exec',
      userBody: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [execScript], interactiveMode: 'Never' } },
      context: 'two',
      current: 'two',
    });
    const cert = write(dir, 'cert', { cluster: 'three', server: 'https://three:6443', user: 'cert', userBody: { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }, context: 'three' });
    const env = { KUBECONFIG: [first, path.join(dir, 'missing'), second, cert].join(path.delimiter) };
    const loaded = await loadKubeconfig({ env });
    assert.equal(loaded.context, 'one');
    assert.equal(loaded.server, 'https://one:6443');
    assert.deepEqual(loaded.files, [first, second, cert]);
    const headers = async (l: typeof loaded) => {
      const opts: { headers?: Record<string, string>; cert?: unknown } = {};
      await l.kubeConfig.applyToHTTPSOptions(opts as never);
      return opts;
    };
    assert.equal((await headers(loaded)).headers?.['Authorization'], 'Bearer sha256~abc');
    const viaExec = await loadKubeconfig({ env, context: 'two' });
    assert.equal((await headers(viaExec)).headers?.['Authorization'], 'Bearer from-exec');
    const viaCert = await loadKubeconfig({ env, context: 'three' });
    assert.equal(String((await headers(viaCert)).cert), 'CERT');
  });

  it('says clearly when there is no kubeconfig at all', async () => {
    await assert.rejects(loadKubeconfig({ env: {}, homeDir: tmp() }), { message: 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist' } as object);
    await assert.rejects(loadKubeconfig({ kubeconfig: '/nonexistent/kubeconfig' }), { message: 'kubeconfig /nonexistent/kubeconfig does not exist' } as object);
  });
});

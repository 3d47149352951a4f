// The kubeconfig read as kubectl (client-go's clientcmd) reads it: files, paths, token files, exec plugins.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadKubeconfig, readKubeconfig } from '../../src/core/cluster/kubeconfig';
import { KubeconfigCredentials } from '../../src/core/cluster/kubeconfig-credentials';
import { parseExecCredential, runExecPlugin } from '../../src/core/cluster/kubeconfig-exec';
import { parseKubeconfigFile } from '../../src/core/cluster/kubeconfig-file';
import { oneContext, tmpDir, writeExecPlugin, writeKubeconfig } from '../support/kubeconfig';

const V1 = 'client.authentication.k8s.io/v1';

async function authorization(loaded: Awaited<ReturnType<typeof loadKubeconfig>>): Promise<string | undefined> {
  const opts: { headers?: Record<string, string> } = {};
  await loaded.kubeConfig.applyToHTTPSOptions(opts as never);
  return opts.headers?.['Authorization'];
}

describe('kubeconfig files as clientcmd reads them', () => {
  it('skips an empty or comment-only file and a missing one, and names a malformed one', async () => {
    const dir = tmpDir();
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    const comment = path.join(dir, 'comment');
    fs.writeFileSync(comment, '  \n# nothing yet\n');
    const good = writeKubeconfig(path.join(dir, 'good'), oneContext({ server: 'https://good:6443', user: { token: 't' } }));
    const env = { KUBECONFIG: [empty, path.join(dir, 'missing'), comment, good].join(path.delimiter) };
    const loaded = await loadKubeconfig({ env });
    assert.equal(loaded.server, 'https://good:6443');
    assert.deepEqual(loaded.files, [empty, comment, good]);
    const bad = path.join(dir, 'bad');
    fs.writeFileSync(bad, 'clusters: [\n');
    await assert.rejects(readKubeconfig({ env: { KUBECONFIG: [good, bad].join(path.delimiter) } }), (err: Error) => err.message.startsWith(`kubeconfig ${bad} cannot be read: `));
  });

  it('refuses a name used twice in one file (as kubectl does) and lets the first file win across files', async () => {
    const dir = tmpDir();
    const twice = writeKubeconfig(path.join(dir, 'twice'), { clusters: [{ name: 'c', cluster: { server: 'https://a' } }, { name: 'c', cluster: { server: 'https://b' } }] });
    await assert.rejects(readKubeconfig({ kubeconfig: twice }), { message: `kubeconfig ${twice} names cluster "c" twice` } as object);
    const first = writeKubeconfig(path.join(dir, 'first'), oneContext({ server: 'https://first', user: { token: 'first' }, current: false }));
    const second = writeKubeconfig(path.join(dir, 'second'), oneContext({ server: 'https://second', user: { token: 'second', username: 'x' } }));
    const loaded = await loadKubeconfig({ env: { KUBECONFIG: [first, second].join(path.delimiter) } });
    assert.equal(loaded.context, 'test');
    assert.equal(loaded.server, 'https://first');
    assert.equal(await authorization(loaded), 'Bearer first');
  });

  it('resolves relative paths against the folder of the file that defined them', () => {
    const file = path.join('/k', 'sub', 'config');
    const parts = parseKubeconfigFile(
      file,
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://c', 'certificate-authority': '../ca.crt' } }],
        users: [
          { name: 'files', user: { 'client-certificate': 'tls/u.crt', 'client-key': '/abs/u.key', tokenFile: './token' } },
          { name: 'relative', user: { exec: { command: './bin/get-token', apiVersion: V1, interactiveMode: 'Never' } } },
          { name: 'on-path', user: { exec: { command: 'oc', apiVersion: V1, interactiveMode: 'Never' } } },
          { name: 'legacy', user: { 'token-file': 'kubectl-ignores-this' } },
        ],
      }),
    );
    assert.equal(parts.clusters[0]?.caFile, '/k/ca.crt');
    const [files, relative, onPath, legacy] = parts.users;
    assert.equal(files?.certFile, '/k/sub/tls/u.crt');
    assert.equal(files?.keyFile, '/abs/u.key');
    assert.equal(files?.tokenFile, '/k/sub/token');
    assert.equal(relative?.exec?.command, '/k/sub/bin/get-token');
    assert.equal(onPath?.exec?.command, 'oc');
    assert.equal(legacy?.token, undefined);
    assert.equal(legacy?.tokenFile, undefined);
  });
});

describe('token files as client-go reads them', () => {
  it('reads tokenFile relative to its kubeconfig, trimmed, over a static token, and again after a minute', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'token'), 'sha256~first\n');
    const file = writeKubeconfig(path.join(dir, 'config'), oneContext({ server: 'https://c', user: { tokenFile: 'token', token: 'static' } }));
    let now = 1_000_000;
    const loaded = await loadKubeconfig({ kubeconfig: file, now: () => now });
    await loaded.obtainCredentials();
    assert.equal(await authorization(loaded), 'Bearer sha256~first');
    fs.writeFileSync(path.join(dir, 'token'), 'sha256~second');
    assert.equal(await authorization(loaded), 'Bearer sha256~first', 'cached within the period');
    now += 60_000;
    assert.equal(await authorization(loaded), 'Bearer sha256~second');
    fs.rmSync(path.join(dir, 'token'));
    now += 60_000;
    assert.equal(await authorization(loaded), 'Bearer sha256~second', 'a failed re-read keeps the last token');
  });

  it('says which token file is missing or empty, and where it was named', async () => {
    const dir = tmpDir();
    const file = writeKubeconfig(path.join(dir, 'config'), oneContext({ server: 'https://c', user: { tokenFile: 'token' } }));
    const loaded = await loadKubeconfig({ kubeconfig: file });
    await assert.rejects(loaded.obtainCredentials(), { message: `the token file ${path.join(dir, 'token')} of user "test" cannot be read: it does not exist`, hint: `log in again, or fix tokenFile in ${file} (relative paths are relative to that file)` } as object);
    fs.writeFileSync(path.join(dir, 'token'), '\n');
    await assert.rejects(loaded.obtainCredentials(), /is empty/);
    // With a static token behind it, kubectl uses that one: so do we.
    const withStatic = writeKubeconfig(path.join(dir, 'static'), oneContext({ server: 'https://c', user: { tokenFile: 'nope', token: 'static' } }));
    const s = await loadKubeconfig({ kubeconfig: withStatic });
    await s.obtainCredentials();
    assert.equal(await authorization(s), 'Bearer static');
  });
});

describe('exec credential plugins as client-go runs them', () => {
  it('runs a relative command from the kubeconfig folder once, with env and KUBERNETES_EXEC_INFO, stderr to the caller', async () => {
    const dir = tmpDir();
    const countFile = path.join(dir, 'count');
    const infoFile = path.join(dir, 'info');
    writeExecPlugin(path.join(dir, 'bin', 'get-token'), { token: 'from-plugin', stderr: 'Password for alice:\nthanks\n', countFile, infoFile });
    const file = writeKubeconfig(
      path.join(dir, 'config'),
      oneContext({ server: 'https://c:6443', cluster: { 'tls-server-name': 'api' }, user: { exec: { command: './bin/get-token', apiVersion: V1, interactiveMode: 'IfAvailable', provideClusterInfo: true, env: [{ name: 'PLUGIN_MODE', value: 'x' }] } } }),
    );
    const lines: string[] = [];
    const loaded = await loadKubeconfig({ kubeconfig: file, terminal: false, execStderr: (line) => lines.push(line) });
    await loaded.obtainCredentials();
    assert.equal(await authorization(loaded), 'Bearer from-plugin');
    assert.equal(await authorization(loaded), 'Bearer from-plugin');
    assert.equal(fs.readFileSync(countFile, 'utf8'), 'run\n', 'no expirationTimestamp: cached for the connection');
    assert.deepEqual(lines, ['Password for alice:', 'thanks']);
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { info: { apiVersion: string; kind: string; spec: { interactive: boolean; cluster: { server: string; 'tls-server-name': string } } }; stdin: string };
    assert.deepEqual(info.info, { kind: 'ExecCredential', apiVersion: V1, spec: { interactive: false, cluster: { server: 'https://c:6443', 'tls-server-name': 'api' } } });
    assert.equal(info.stdin, '/dev/null');
  });

  it('gives no stdin with interactiveMode Never even on a terminal, and refuses Always without one', async () => {
    const dir = tmpDir();
    const infoFile = path.join(dir, 'info');
    const command = writeExecPlugin(path.join(dir, 'plugin'), { token: 't', infoFile });
    await runExecPlugin('u', { command, apiVersion: V1, interactiveMode: 'Never' }, { terminal: true, stderr: () => undefined });
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { info: { spec: { interactive: boolean } }; stdin: string };
    assert.equal(info.info.spec.interactive, false);
    assert.equal(info.stdin, '/dev/null');
    await assert.rejects(runExecPlugin('u', { command, apiVersion: V1, interactiveMode: 'Always' }, { terminal: false, stderr: 'inherit' }), /needs a terminal \(interactiveMode: Always\)/);
  });

  it('refuses what kubectl refuses: no interactiveMode with v1, a wrong apiVersion, half a key pair', async () => {
    const dir = tmpDir();
    const command = writeExecPlugin(path.join(dir, 'plugin'), { apiVersion: 'client.authentication.k8s.io/v1beta1' });
    await assert.rejects(runExecPlugin('u', { command, apiVersion: V1 }, { terminal: false, stderr: 'inherit' }), /exec needs interactiveMode/);
    // v1beta1 defaults to IfAvailable; the plugin answering v1beta1 to a v1 config is an error.
    await runExecPlugin('u', { command, apiVersion: 'client.authentication.k8s.io/v1beta1' }, { terminal: false, stderr: 'inherit' });
    await assert.rejects(runExecPlugin('u', { command, apiVersion: V1, interactiveMode: 'Never' }, { terminal: false, stderr: 'inherit' }), /configured for client.authentication.k8s.io\/v1 and returned client.authentication.k8s.io\/v1beta1/);
    assert.throws(() => parseExecCredential(JSON.stringify({ apiVersion: V1, status: { clientKeyData: 'k' } }), V1), /only one of certificate and key/);
    assert.deepEqual(parseExecCredential(JSON.stringify({ apiVersion: V1, status: { token: 't', expirationTimestamp: '2030-01-01T00:00:00Z' } }), V1), { token: 't', expiresAt: Date.parse('2030-01-01T00:00:00Z') });
  });

  it('reports a missing plugin with its installHint, and a failing one with what it said', async () => {
    const dir = tmpDir();
    await assert.rejects(runExecPlugin('u', { command: path.join(dir, 'nope'), apiVersion: V1, interactiveMode: 'Never', installHint: 'install it with dnf install oc' }, { terminal: false, stderr: 'inherit' }), {
      message: `the credential plugin of user "u" (${path.join(dir, 'nope')}) is not installed (executable not found)`,
      hint: 'install it with dnf install oc',
    } as object);
    const command = writeExecPlugin(path.join(dir, 'fail'), { stderr: 'error: you must log in\n', exitCode: 1 });
    await assert.rejects(runExecPlugin('u', { command, apiVersion: V1, interactiveMode: 'Never' }, { terminal: false, stderr: () => undefined }), /failed with exit code 1: error: you must log in/);
  });

  it('runs the plugin again once its credential expires, once for concurrent requests, and not at all behind a static token', async () => {
    const dir = tmpDir();
    const countFile = path.join(dir, 'count');
    const command = writeExecPlugin(path.join(dir, 'plugin'), { token: 'p', countFile, expirationTimestamp: '2030-01-01T00:00:00Z' });
    let now = Date.parse('2029-12-31T23:00:00Z');
    const creds = new KubeconfigCredentials({ name: 'u', exec: { command, apiVersion: V1, interactiveMode: 'Never' } }, undefined, { now: () => now, execStderr: () => undefined });
    const opts = () => ({}) as { headers?: Record<string, unknown> };
    await Promise.all([creds.applyAuthentication({ name: 'u' }, opts()), creds.applyAuthentication({ name: 'u' }, opts())]);
    assert.equal(fs.readFileSync(countFile, 'utf8'), 'run\n');
    now = Date.parse('2030-01-01T00:00:01Z');
    await creds.applyAuthentication({ name: 'u' }, opts());
    assert.equal(fs.readFileSync(countFile, 'utf8'), 'run\nrun\n');
    const file = writeKubeconfig(path.join(dir, 'config'), oneContext({ server: 'https://c', user: { token: 'static', exec: { command, apiVersion: V1, interactiveMode: 'Never' } } }));
    const loaded = await loadKubeconfig({ kubeconfig: file });
    await loaded.obtainCredentials();
    assert.equal(await authorization(loaded), 'Bearer static');
    assert.equal(fs.readFileSync(countFile, 'utf8'), 'run\nrun\n');
  });
});

describe('the cluster proxy as kubectl picks it', () => {
  const proxyOf = async (server: string, env: NodeJS.ProcessEnv, proxyUrl?: string) => {
    const dir = tmpDir();
    const file = writeKubeconfig(path.join(dir, 'config'), oneContext({ server, user: { token: 't' }, ...(proxyUrl ? { cluster: { 'proxy-url': proxyUrl } } : {}) }));
    const loaded = await loadKubeconfig({ kubeconfig: file, env });
    return loaded.kubeConfig.getCurrentCluster()?.proxyUrl;
  };

  it('takes HTTPS_PROXY from the environment when the kubeconfig names no proxy-url (client-go\'s ProxyFromEnvironment)', async () => {
    assert.equal(await proxyOf('https://api.cluster.example:6443', { HTTPS_PROXY: 'http://proxy.corp:3128' }), 'http://proxy.corp:3128/');
    assert.equal(await proxyOf('https://api.cluster.example:6443', { https_proxy: 'http://lower.corp:3128' }), 'http://lower.corp:3128/');
  });

  it('goes direct for NO_PROXY, localhost and loopback; a proxy-url in the kubeconfig wins over the environment', async () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.cluster.example' };
    assert.equal(await proxyOf('https://api.cluster.example:6443', env), undefined);
    assert.equal(await proxyOf('https://127.0.0.1:6443', { HTTPS_PROXY: 'http://proxy.corp:3128' }), undefined);
    assert.equal(await proxyOf('https://localhost:6443', { HTTPS_PROXY: 'http://proxy.corp:3128' }), undefined);
    assert.equal(await proxyOf('https://api.other.example:6443', env, 'http://kube-proxy.corp:8080'), 'http://kube-proxy.corp:8080');
  });
});

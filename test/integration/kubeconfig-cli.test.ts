// `okd-dev cluster status` against the real test cluster with kubeconfigs that only kubectl's rules read right:
// a `tokenFile` next to the kubeconfig, and an exec plugin `./get-token.sh` in the kubeconfig's folder that asks
// for a password on stderr. The CLI runs from another working directory, so relative paths must be resolved
// against the kubeconfig's folder; the plugin's prompt must reach the user's terminal (the CLI's stderr).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEnv, runCli } from '../support/cli';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../support/cluster/okd';
import { tmpDir, writeKubeconfig } from '../support/kubeconfig';

function kubeconfigFor(pc: OkdPayloadCluster, user: object): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'okd', cluster: { server: pc.cluster.url, 'certificate-authority-data': pc.cluster.caData } }],
    users: [{ name: 'me', user }],
    contexts: [{ name: 'okd', context: { cluster: 'okd', user: 'me' } }],
    'current-context': 'okd',
  };
}

describe('okd-dev cluster status with tokenFile and exec plugins', { timeout: 300_000 }, () => {
  let pc: OkdPayloadCluster;

  before(async () => {
    pc = await startOkdPayloadCluster();
  });
  after(async () => {
    await pc?.stop();
  });

  it('reads tokenFile relative to the kubeconfig (through KUBECONFIG, after an empty file)', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'token'), `${pc.cluster.tokens.admin}\n`, { mode: 0o600 });
    const file = writeKubeconfig(path.join(dir, 'config'), kubeconfigFor(pc, { tokenFile: 'token' }));
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    const result = await runCli(['cluster', 'status', '-o', 'json'], cliEnv({ KUBECONFIG: [empty, file].join(path.delimiter) }));
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as { release?: { version?: string } };
    assert.equal(status.release?.version, pc.release.version);
  });

  it('runs an exec plugin relative to the kubeconfig, its prompt passed through to stderr', async () => {
    const dir = tmpDir();
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: pc.cluster.tokens.admin } });
    fs.writeFileSync(path.join(dir, 'get-token.sh'), `#!/bin/sh\nprintf 'Password for me@okd: ' >&2\necho >&2\necho '${credential}'\n`, { mode: 0o755 });
    const file = writeKubeconfig(path.join(dir, 'config'), kubeconfigFor(pc, { exec: { command: './get-token.sh', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'IfAvailable' } }));
    const result = await runCli(['cluster', 'status', '--kubeconfig', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(pc.release.version.replace(/\./g, '\\.')));
    assert.match(result.stderr, /Password for me@okd: /);
  });

  it('says which plugin is missing and which token file is, naming the kubeconfig', async () => {
    const dir = tmpDir();
    const noPlugin = writeKubeconfig(path.join(dir, 'a'), kubeconfigFor(pc, { exec: { command: './nope.sh', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', installHint: 'get nope.sh from your admin' } }));
    const r1 = await runCli(['cluster', 'status', '--kubeconfig', noPlugin]);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, new RegExp(`credential plugin of user "me" \\(${path.join(dir, 'nope.sh')}\\) is not installed`));
    assert.match(r1.stderr, /get nope\.sh from your admin/i);
    const noToken = writeKubeconfig(path.join(dir, 'b'), kubeconfigFor(pc, { tokenFile: 'secret/token' }));
    const r2 = await runCli(['cluster', 'status', '--kubeconfig', noToken]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, new RegExp(`token file ${path.join(dir, 'secret', 'token')} of user "me" cannot be read: it does not exist`));
  });
});

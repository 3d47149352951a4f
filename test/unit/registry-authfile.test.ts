import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findCredentials, normalizeAuthKey, parseAuthFile } from '../../src/core/registry';
import { lookupKeys } from '../../src/core/registry/credentials-keys';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('auth files', () => {
  let root: string;
  let home: string;
  let runtime: string;
  const write = (file: string, doc: unknown) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-authfile-'));
    home = path.join(root, 'home');
    runtime = path.join(root, 'run');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('takes credentials from the first file with a match, skipping absent default files', async () => {
    write(path.join(home, '.docker', 'config.json'), { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:hubpass') }, 'quay.io': { auth: b64('docker:x') } } });
    const xdg = write(path.join(runtime, 'containers', 'auth.json'), { auths: { 'quay.io': { auth: b64('xdg:secret') } } });
    const env = { XDG_RUNTIME_DIR: runtime };
    const quay = await findCredentials('quay.io', 'okd/scos-release', { env, homeDir: home });
    assert.deepEqual(quay, { username: 'xdg', password: 'secret', source: xdg, key: 'quay.io' });
    const hub = await findCredentials('docker.io', 'library/busybox', { env, homeDir: home });
    assert.equal(hub?.username, 'hub');
    assert.equal(hub?.key, 'https://index.docker.io/v1/');
    assert.equal(await findCredentials('ghcr.io', 'x/y', { env, homeDir: home }), undefined);
    const explicit = write(path.join(root, 'explicit.json'), { auths: { 'quay.io': { username: 'exp', password: 'p:w' } } });
    assert.equal((await findCredentials('quay.io', 'okd/x', { authFile: explicit, env, homeDir: home }))?.password, 'p:w');
  });

  it('matches the most specific repository path first', async () => {
    const file = write(path.join(root, 'paths.json'), {
      auths: {
        'quay.io': { auth: b64('top:1') },
        'quay.io/okd': { auth: b64('ns:2') },
        'quay.io/okd/scos-content': { auth: b64('repo:3') },
      },
    });
    const opts = { authFile: file, env: {}, homeDir: home + '-none' };
    assert.equal((await findCredentials('quay.io', 'okd/scos-content', opts))?.username, 'repo');
    assert.equal((await findCredentials('quay.io', 'okd/scos-release', opts))?.username, 'ns');
    assert.equal((await findCredentials('quay.io', 'openshift/origin', opts))?.username, 'top');
    assert.deepEqual(lookupKeys('quay.io', 'okd/a/b'), ['quay.io/okd/a/b', 'quay.io/okd/a', 'quay.io/okd', 'quay.io']);
  });

  it('normalises keys: scheme, trailing slash, Docker Hub aliases', () => {
    assert.equal(normalizeAuthKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(normalizeAuthKey('registry-1.docker.io'), 'docker.io');
    assert.equal(normalizeAuthKey('https://quay.io'), 'quay.io');
    assert.equal(normalizeAuthKey('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
    assert.equal(normalizeAuthKey('quay.io/okd/'), 'quay.io/okd');
    assert.equal(normalizeAuthKey('Quay.IO/okd'), 'quay.io/okd');
  });

  it('reports malformed files naming them, and a missing explicit file', async () => {
    assert.throws(() => parseAuthFile('{nope', '/x/auth.json'), { kind: 'invalid-input', message: /^auth file \/x\/auth\.json is malformed: not valid JSON/ });
    assert.throws(() => parseAuthFile('{"auths": []}', '/x/a.json'), { message: 'auth file /x/a.json is malformed: "auths" is not an object' });
    assert.deepEqual(parseAuthFile(JSON.stringify({ auths: { 'quay.io': { auth: b64('nocolon') } } }), '/x/b.json').skipped, [
      'the entry for "quay.io" has an "auth" without a colon (it must be base64 of user:password)',
    ]);
    assert.equal(parseAuthFile(JSON.stringify({ auths: { 'quay.io': {} }, credsStore: 'desktop' }), '/x/c.json').auths.size, 0);
    const bad = write(path.join(root, 'bad.json'), 'not json');
    await assert.rejects(findCredentials('quay.io', 'a/b', { authFile: bad, env: {}, homeDir: home }), { message: new RegExp(`^auth file ${bad} is malformed`) });
    await assert.rejects(findCredentials('quay.io', 'a/b', { authFile: path.join(root, 'missing.json'), env: {}, homeDir: home }), {
      kind: 'invalid-input',
      message: `auth file ${path.join(root, 'missing.json')} does not exist`,
    });
  });

  it('reports where a malformed file breaks without quoting any of its text (credentials)', async () => {
    const secret = b64('robot$okd+ci:s3cr3t-Passw0rd-XYZ');
    const file = write(path.join(root, 'leaky.json'), `{"auths":{"quay.io":{"auth":"${secret}","x":}}}`);
    let message = '';
    await assert.rejects(findCredentials('quay.io', 'okd/app', { authFile: file, env: {}, homeDir: home }), (err: Error) => {
      message = err.message;
      return true;
    });
    assert.equal(message, `auth file ${file} is malformed: not valid JSON (at line 1, column ${secret.length + 36})`);
    // No piece of the credential (nor of the decoded user:password) may appear, not even the last few characters.
    const rest = message.replace(file, '');
    for (const text of [secret, 'robot$okd+ci:s3cr3t-Passw0rd-XYZ']) {
      for (let i = 0; i + 4 <= text.length; i++) assert.ok(!rest.includes(text.slice(i, i + 4)), `message quotes "${text.slice(i, i + 4)}"`);
    }
    const multiline = JSON.stringify({ auths: { 'quay.io': { auth: secret } } }, null, 2).replace(`"${secret}"`, `"${secret}",`);
    assert.throws(() => parseAuthFile(multiline, '/x/m.json'), { message: 'auth file /x/m.json is malformed: not valid JSON (at line 5, column 5)' });
    assert.throws(() => parseAuthFile(multiline, '/x/m.json'), (err: Error) => !err.message.includes(secret.slice(-6)));
  });
});

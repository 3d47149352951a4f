import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CredentialStore, findCredentials } from '../../src/core/registry';
import { installCredentialHelper } from '../support/credhelper';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry credentials: credential helpers (docker-credential-<name> get)', () => {
  let root: string;
  let bin: string;
  let n = 0;
  const world = (config: unknown) => {
    const home = path.join(root, `home-${n++}`);
    const file = path.join(home, '.docker', 'config.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(config));
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH ?? ''}`, XDG_RUNTIME_DIR: path.join(home, 'run') };
    return { home, file, opts: { env, homeDir: home, uid: 1000 } };
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-credhelper-'));
    bin = path.join(root, 'bin');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('runs the credHelpers helper for its registry with the host on stdin; `<token>` is an identity token', async () => {
    const helper = installCredentialHelper(bin, 'unit-a', {
      secrets: { 'quay.io': { Username: 'robot', Secret: 's3cret' }, 'ghcr.io': { Username: '<token>', Secret: 'refresh-me' } },
    });
    const w = world({ auths: { 'quay.io': {}, 'ghcr.io': {} }, credHelpers: { 'quay.io': 'unit-a', 'ghcr.io': 'unit-a' } });
    assert.deepEqual(await findCredentials('quay.io', 'okd/app', w.opts), {
      username: 'robot',
      password: 's3cret',
      source: `docker-credential-unit-a (credHelpers in ${w.file})`,
      key: 'quay.io',
      helper: 'unit-a',
    });
    const gh = await findCredentials('ghcr.io', 'o/r', w.opts);
    assert.equal(gh?.identityToken, 'refresh-me');
    assert.equal(gh?.username, '');
    assert.deepEqual(helper.calls(), [
      { argv: ['get'], stdin: 'quay.io' },
      { argv: ['get'], stdin: 'ghcr.io' },
    ]);
  });

  it('credsStore answers for registries without an entry of their own; inline entries and credHelpers come first', async () => {
    const store = installCredentialHelper(bin, 'unit-store', { secrets: { 'quay.io': { Username: 'from-store', Secret: 'x' }, 'https://index.docker.io/v1/': { Username: 'hub', Secret: 'y' } } });
    const other = installCredentialHelper(bin, 'unit-other', { secrets: { 'ghcr.io': { Username: 'from-other', Secret: 'z' } } });
    const w = world({ auths: { 'inline.example': { auth: b64('inline:pw') } }, credsStore: 'unit-store', credHelpers: { 'ghcr.io': 'unit-other' } });
    const user = async (registry: string) => (await findCredentials(registry, 'o/r', w.opts))?.username;
    assert.equal(await user('quay.io'), 'from-store');
    assert.equal(await user('inline.example'), 'inline');
    assert.equal(await user('ghcr.io'), 'from-other');
    // Docker keeps Docker Hub under its v1 URL, podman under docker.io: both are asked, podman's first.
    assert.equal(await user('docker.io'), 'hub');
    assert.deepEqual(store.calls().map((c) => c.stdin), ['quay.io', 'docker.io', 'https://index.docker.io/v1/']);
    assert.deepEqual(other.calls().map((c) => c.stdin), ['ghcr.io']);
    assert.equal(await user('nothing.example'), undefined, 'not found in the store is no credentials');
  });

  it('a missing or failing helper is an error naming it and the registry; other registries still work', async () => {
    const failing = installCredentialHelper(bin, 'unit-fail', { secrets: {}, fail: 'gpg: decryption failed: No secret key' });
    const w = world({ auths: { 'quay.io': { auth: b64('fine:pw') } }, credHelpers: { 'ghcr.io': 'unit-absent', 'registry.example': 'unit-fail', 'bad.example': '../evil' } });
    const store = new CredentialStore(w.opts);
    assert.equal((await store.find('quay.io', 'o/r')).credentials?.username, 'fine');
    const absent = await store.find('ghcr.io', 'o/r');
    assert.equal(absent.credentials, undefined);
    assert.equal(
      absent.problem?.message,
      `credential helper docker-credential-unit-absent (credHelpers in ${w.file}) for registry ghcr.io is not installed: there is no docker-credential-unit-absent on PATH`,
    );
    const failed = await store.find('registry.example', 'o/r');
    assert.equal(failed.problem?.message, `credential helper docker-credential-unit-fail (credHelpers in ${w.file}) failed for registry registry.example: exit code 3: gpg: decryption failed: No secret key`);
    assert.equal(failing.calls().length, 1);
    assert.match((await store.find('bad.example', 'o/r')).problem?.message ?? '', /"\.\.\/evil" is not a helper name/);
    await assert.rejects(findCredentials('ghcr.io', 'o/r', w.opts), { message: /docker-credential-unit-absent .* for registry ghcr\.io is not installed/ });
  });

  it('a missing credsStore does not hide a later file that has the registry', async () => {
    const w = world({ auths: {}, credsStore: 'unit-desktop-from-a-mac' });
    const legacy = path.join(w.home, '.dockercfg');
    fs.writeFileSync(legacy, JSON.stringify({ 'quay.io': { auth: b64('legacy:pw') } }));
    const store = new CredentialStore(w.opts);
    assert.equal((await store.find('quay.io', 'o/r')).credentials?.source, legacy);
    assert.match((await store.find('ghcr.io', 'o/r')).problem?.message ?? '', /^credential helper docker-credential-unit-desktop-from-a-mac \(credsStore in .*\) for registry ghcr\.io is not installed/);
  });

  it('asks the helper again on every lookup, so a login into its store is seen', async () => {
    const helper = installCredentialHelper(bin, 'unit-relogin', { secrets: {} });
    const w = world({ credHelpers: { 'quay.io': 'unit-relogin' } });
    const store = new CredentialStore(w.opts);
    assert.deepEqual(await store.find('quay.io', 'o/r'), {});
    helper.set({ secrets: { 'quay.io': { Username: 'later', Secret: 'pw' } } });
    assert.equal((await store.find('quay.io', 'o/r')).credentials?.username, 'later');
  });
});

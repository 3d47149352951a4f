import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../../src/core/log';
import { authFileCandidates, CredentialStore, findCredentials } from '../../src/core/registry';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const auth = (user: string, pass = 'pw') => ({ auth: b64(`${user}:${pass}`) });

function memoryLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, trace: none, debug: none, info: none, error: none, warn: (m: string) => warnings.push(m) };
}

describe('registry credentials: which files, in which order (containers-auth.json(5))', () => {
  const paths = (opts: Parameters<typeof authFileCandidates>[0]) => authFileCandidates({ homeDir: '/h', uid: 1000, platform: 'linux', ...opts }).map((c) => c.path);

  it('an explicit file (--registry-config, else REGISTRY_AUTH_FILE) is the only one read', () => {
    const env = { REGISTRY_AUTH_FILE: '/env/auth.json', XDG_RUNTIME_DIR: '/run/user/1000', DOCKER_CONFIG: '/d' };
    assert.deepEqual(authFileCandidates({ authFile: '/explicit.json', env }).map((c) => [c.path, c.explicit, c.origin]), [['/explicit.json', true, '--registry-config']]);
    assert.deepEqual(authFileCandidates({ env }).map((c) => [c.path, c.explicit, c.origin]), [['/env/auth.json', true, 'REGISTRY_AUTH_FILE']]);
  });

  it('otherwise the runtime file, XDG_CONFIG_HOME, DOCKER_CONFIG or ~/.docker, then the legacy ~/.dockercfg', () => {
    assert.deepEqual(paths({ env: { XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_HOME: '/cfg', DOCKER_CONFIG: '/dk' } }), [
      '/run/user/1000/containers/auth.json',
      '/cfg/containers/auth.json',
      '/dk/config.json',
      '/h/.dockercfg',
    ]);
    assert.deepEqual(paths({ env: {} }), ['/run/containers/1000/auth.json', '/h/.config/containers/auth.json', '/h/.docker/config.json', '/h/.dockercfg']);
    const legacy = authFileCandidates({ env: {}, homeDir: '/h', uid: 1000, platform: 'linux' }).filter((c) => c.legacy);
    assert.deepEqual(legacy.map((c) => c.path), ['/h/.dockercfg']);
    assert.deepEqual(paths({ env: {}, platform: 'darwin' }), ['/h/.config/containers/auth.json', '/h/.docker/config.json', '/h/.dockercfg']);
  });

  it('root also reads /etc/containers/auth.json: last, or first as a systemd service', () => {
    assert.equal(paths({ env: {}, uid: 0 }).at(-1), '/etc/containers/auth.json');
    assert.equal(paths({ env: { INVOCATION_ID: 'x' }, uid: 0 })[0], '/etc/containers/auth.json');
    assert.ok(!paths({ env: {} }).includes('/etc/containers/auth.json'));
  });
});

describe('registry credentials: files and keys', () => {
  let root: string;
  let n = 0;
  const write = (file: string, doc: unknown) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };
  /** A fresh home, and the options that make it the only place looked at. */
  const world = () => {
    const home = path.join(root, `home-${n++}`);
    fs.mkdirSync(home, { recursive: true });
    const env: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: path.join(home, 'run') };
    return { home, env, opts: { env, homeDir: home, uid: 1000 } };
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-credentials-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads only the explicit file even when another one has the registry; a missing one is an error naming its origin', async () => {
    const w = world();
    write(path.join(w.home, '.docker', 'config.json'), { auths: { 'quay.io': auth('docker') } });
    const explicit = write(path.join(w.home, 'explicit.json'), { auths: { 'ghcr.io': auth('gh') } });
    assert.equal((await findCredentials('quay.io', 'okd/x', w.opts))?.username, 'docker');
    assert.equal(await findCredentials('quay.io', 'okd/x', { ...w.opts, env: { ...w.env, REGISTRY_AUTH_FILE: explicit } }), undefined);
    assert.equal(await findCredentials('quay.io', 'okd/x', { ...w.opts, authFile: explicit }), undefined);
    const missing = path.join(w.home, 'missing.json');
    await assert.rejects(findCredentials('quay.io', 'okd/x', { ...w.opts, env: { ...w.env, REGISTRY_AUTH_FILE: missing } }), {
      kind: 'invalid-input',
      message: `auth file ${missing} does not exist`,
      hint: 'check the REGISTRY_AUTH_FILE path',
    });
  });

  it('DOCKER_CONFIG replaces ~/.docker, and ~/.dockercfg is read in its legacy shape (no "auths", host keys)', async () => {
    const w = world();
    write(path.join(w.home, '.docker', 'config.json'), { auths: { 'quay.io': auth('home-docker') } });
    const dockerConfig = path.join(w.home, 'dc');
    const dc = write(path.join(dockerConfig, 'config.json'), { auths: { 'ghcr.io': auth('dc') } });
    const env = { ...w.env, DOCKER_CONFIG: dockerConfig };
    assert.deepEqual(await findCredentials('ghcr.io', 'o/r', { ...w.opts, env }), { username: 'dc', password: 'pw', source: dc, key: 'ghcr.io' });
    assert.equal(await findCredentials('quay.io', 'o/r', { ...w.opts, env }), undefined);
    const cfg = write(path.join(w.home, '.dockercfg'), { 'https://quay.io/v1/': { ...auth('legacy'), email: 'x@y' }, 'registry.example/ns': auth('ns') });
    assert.deepEqual(await findCredentials('quay.io', 'o/r', { ...w.opts, env }), { username: 'legacy', password: 'pw', source: cfg, key: 'https://quay.io/v1/' });
    // A legacy key stands for its host, paths or not.
    assert.equal((await findCredentials('registry.example', 'other/repo', { ...w.opts, env }))?.username, 'ns');
  });

  it('matches exact keys most specific first, then keys normalising to the host; an exact host key beats an earlier URL key', async () => {
    const w = world();
    write(path.join(w.home, 'run', 'containers', 'auth.json'), {
      auths: {
        'https://quay.io/v1/': auth('url'),
        'quay.io': auth('host'),
        'quay.io/okd': auth('ns'),
        'quay.io/okd/scos-content': auth('repo'),
        'https://ghcr.io': auth('gh-url'),
        'quay.io/openshift/': auth('trailing'),
      },
    });
    const user = async (registry: string, repo: string) => (await findCredentials(registry, repo, w.opts))?.username;
    assert.equal(await user('quay.io', 'okd/scos-content'), 'repo');
    assert.equal(await user('quay.io', 'okd/scos-release'), 'ns');
    assert.equal(await user('quay.io', 'okd'), 'ns');
    assert.equal(await user('quay.io', 'openshift/origin'), 'host', 'a namespaced key matches only as written');
    assert.equal(await user('ghcr.io', 'o/r'), 'gh-url');
  });

  it('finds Docker Hub under each of its names', async () => {
    for (const key of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/']) {
      const w = world();
      write(path.join(w.home, '.docker', 'config.json'), { auths: { [key]: auth('hub') } });
      for (const registry of ['docker.io', 'index.docker.io']) {
        const found = await findCredentials(registry, 'library/busybox', w.opts);
        assert.equal(found?.username, 'hub', `${key} for ${registry}`);
        assert.equal(found?.key, key);
      }
    }
    const w = world();
    write(path.join(w.home, '.docker', 'config.json'), { auths: { 'https://index.docker.io/v1/': auth('v1'), 'docker.io/me': auth('me'), 'docker.io': auth('exact') } });
    assert.equal((await findCredentials('docker.io', 'me/app', w.opts))?.username, 'me');
    assert.equal((await findCredentials('docker.io', 'library/busybox', w.opts))?.username, 'exact');
  });

  it('takes identity tokens, Docker username/password fields, and trims NULs around a password', async () => {
    const w = world();
    write(path.join(w.home, '.docker', 'config.json'), {
      auths: {
        'a.example': { auth: b64('me:'), identitytoken: 'refresh-a' },
        'b.example': { identitytoken: 'refresh-b' },
        'c.example': { username: 'plain', password: 'p:w' },
        'd.example': { auth: b64('nul:secret\0\0') },
      },
    });
    const get = (registry: string) => findCredentials(registry, 'x/y', w.opts);
    assert.deepEqual(await get('a.example'), { username: 'me', password: '', identityToken: 'refresh-a', source: path.join(w.home, '.docker', 'config.json'), key: 'a.example' });
    assert.equal((await get('b.example'))?.identityToken, 'refresh-b');
    assert.equal((await get('c.example'))?.password, 'p:w');
    assert.equal((await get('d.example'))?.password, 'secret');
  });

  it('skips a malformed entry with a warning naming the file and key but not its value; the other entries work', async () => {
    const w = world();
    const logger = memoryLogger();
    const secret = 'c2VjcmV0LXZhbHVl!!';
    const file = write(path.join(w.home, '.docker', 'config.json'), {
      auths: { 'quay.io/okd': { auth: secret }, 'quay.io': auth('host'), 'ghcr.io': { auth: b64('no-colon-token') }, 'x.example': 'text', 'empty.example': {} },
    });
    const store = new CredentialStore({ ...w.opts, logger });
    assert.equal((await store.find('quay.io', 'okd/app')).credentials?.username, 'host');
    assert.deepEqual(await store.find('ghcr.io', 'o/r'), {});
    assert.deepEqual(logger.warnings, [
      `auth file ${file}: the entry for "quay.io/okd" has an "auth" that is not valid base64; it is skipped`,
      `auth file ${file}: the entry for "ghcr.io" has an "auth" without a colon (it must be base64 of user:password); it is skipped`,
      `auth file ${file}: the entry for "x.example" is not an object; it is skipped`,
    ]);
    for (const text of logger.warnings) assert.ok(!text.includes(secret) && !text.includes('no-colon'), text);
  });

  it('sees a login made since the last lookup: files are parsed again when their mtime or size change', async () => {
    const w = world();
    const file = path.join(w.home, 'run', 'containers', 'auth.json');
    const store = new CredentialStore(w.opts);
    assert.deepEqual(await store.find('quay.io', 'okd/app'), {});
    write(file, { auths: { 'quay.io': auth('first', 'aaaa') } });
    assert.equal((await store.find('quay.io', 'okd/app')).credentials?.password, 'aaaa');
    write(file, { auths: { 'quay.io': auth('first', 'bbbb') } });
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal((await store.find('quay.io', 'okd/app')).credentials?.password, 'bbbb');
    fs.rmSync(file);
    assert.deepEqual(await store.find('quay.io', 'okd/app'), {});
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry';
import { type CliResult, cliEnv, runCli } from '../support/cli';
import { installCredentialHelper } from '../support/credhelper';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function writeJson(file: string, doc: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

function assertInfo(result: CliResult, payload: TestPayload): void {
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^Digest:\\s+${payload.digest}$`, 'm'));
}

async function pushPayload(reg: TestRegistry, tag: string): Promise<TestPayload> {
  const client = new RegistryClient({ insecure: true, authFile: reg.authFile!, env: {}, homeDir: '/nonexistent' });
  try {
    return await pushTestPayload({ client, registry: reg.host, repository: 'okd/scos-release', tag, version: tag, small: true, tinyBase: true });
  } finally {
    await client.close();
  }
}

describe('okd-dev release info with credentials where podman and docker keep them (basic auth)', { timeout: 180_000 }, () => {
  let reg: TestRegistry;
  let payload: TestPayload;
  let tmp: string;
  let good: { auth: string };
  const info = (env: NodeJS.ProcessEnv, ...flags: string[]) => runCli(['release', 'info', payload.pullSpec, '--insecure', ...flags], env);

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    payload = await pushPayload(reg, '4.10.0-okd-cred.1');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-credentials-it-'));
    good = { auth: b64(`${reg.username}:${reg.password}`) };
  });
  after(async () => {
    await reg?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('REGISTRY_AUTH_FILE, and then only that file', async () => {
    assertInfo(await info(cliEnv({ REGISTRY_AUTH_FILE: reg.authFile })), payload);
    const env = cliEnv({ REGISTRY_AUTH_FILE: writeJson(path.join(tmp, 'other.json'), { auths: { 'quay.io': good } }) });
    writeJson(path.join(env.HOME!, '.docker', 'config.json'), { auths: { [reg.host]: good } });
    const refused = await info(env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`registry ${reg.host} requires authentication for repository okd/scos-release`));
  });

  it('$DOCKER_CONFIG/config.json with a URL key', async () => {
    const dir = path.join(tmp, 'docker-config');
    writeJson(path.join(dir, 'config.json'), { auths: { [`https://${reg.host}/v1/`]: good } });
    assertInfo(await info(cliEnv({ DOCKER_CONFIG: dir })), payload);
  });

  it('the legacy ~/.dockercfg', async () => {
    const env = cliEnv();
    writeJson(path.join(env.HOME!, '.dockercfg'), { [`https://${reg.host}`]: { ...good, email: 'dev@example.com' } });
    assertInfo(await info(env), payload);
  });

  it('a credHelpers helper run as docker-credential-<name> get with the host on stdin', async () => {
    const bin = path.join(tmp, 'bin');
    const helper = installCredentialHelper(bin, 'okdtest', { secrets: { [reg.host]: { Username: reg.username!, Secret: reg.password! } } });
    const env = cliEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` });
    writeJson(path.join(env.HOME!, '.docker', 'config.json'), { auths: { [reg.host]: {} }, credHelpers: { [reg.host]: 'okdtest' } });
    assertInfo(await info(env), payload);
    assert.ok(helper.calls().length >= 1);
    for (const call of helper.calls()) assert.deepEqual(call, { argv: ['get'], stdin: reg.host });
  });

  it('a missing helper is an error naming it and the registry', async () => {
    const env = cliEnv();
    writeJson(path.join(env.HOME!, '.docker', 'config.json'), { credHelpers: { [reg.host]: 'okd-not-installed' } });
    const result = await info(env);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`credential helper docker-credential-okd-not-installed \\(credHelpers in .*\\) for registry ${reg.host} is not installed`));
  });

  it('a malformed entry for another registry is reported and skipped, never quoted', async () => {
    const env = cliEnv();
    const broken = 'bm90LWEtcGFpcg==:::';
    const file = writeJson(path.join(env.HOME!, '.docker', 'config.json'), { auths: { 'ghcr.io': { auth: broken }, [reg.host]: good } });
    const result = await info(env, '--verbose');
    assertInfo(result, payload);
    assert.ok(result.stderr.includes(`auth file ${file}: the entry for "ghcr.io" has an "auth" that is not valid base64; it is skipped`), result.stderr);
    assert.ok(!result.stderr.includes(broken) && !result.stderr.includes(reg.password!));
  });

  it('a login made after a 401 is used by the same client (as in the editor), without a restart', async () => {
    const home = path.join(tmp, 'relogin-home');
    fs.mkdirSync(home, { recursive: true });
    const config = path.join(home, '.docker', 'config.json');
    const client = new RegistryClient({ insecure: true, env: {}, homeDir: home, retryBaseMs: 50 });
    try {
      await assert.rejects(client.listTags(reg.host, 'okd/scos-release'), { kind: 'unauthorized', message: `registry ${reg.host} requires authentication for repository okd/scos-release` });
      writeJson(config, { auths: { [reg.host]: { auth: b64(`${reg.username}:wrong`) } } });
      await assert.rejects(client.listTags(reg.host, 'okd/scos-release'), { kind: 'unauthorized', message: `credentials for ${reg.host} were rejected (from ${config})` });
      writeJson(config, { auths: { [reg.host]: good } });
      assert.deepEqual(await client.listTags(reg.host, 'okd/scos-release'), ['4.10.0-okd-cred.1']);
    } finally {
      await client.close();
    }
  });
});

describe('okd-dev release info with an identity token (OAuth2 refresh token at the token realm)', { timeout: 180_000 }, () => {
  let reg: TestRegistry;
  let payload: TestPayload;
  let tmp: string;
  const info = (env: NodeJS.ProcessEnv) => runCli(['release', 'info', payload.pullSpec, '--insecure'], env);

  before(async () => {
    reg = await startRegistry({ auth: 'token' });
    payload = await pushPayload(reg, '4.10.0-okd-cred.2');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-credentials-token-'));
  });
  after(async () => {
    await reg?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exchanges an identitytoken from the auth file, and names the file when it is refused', async () => {
    const server = reg.tokenServer!;
    const before = server.refreshed;
    const file = writeJson(path.join(tmp, 'identity.json'), { auths: { [reg.host]: { auth: b64('okd-user:'), identitytoken: server.refreshToken } } });
    assertInfo(await info(cliEnv({ REGISTRY_AUTH_FILE: file })), payload);
    assert.ok(server.refreshed > before, 'the token came from the refresh-token grant');
    const wrong = writeJson(path.join(tmp, 'wrong.json'), { auths: { [reg.host]: { identitytoken: 'revoked' } } });
    const refused = await info(cliEnv({ REGISTRY_AUTH_FILE: wrong }));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`credentials for ${reg.host} were rejected \\(from ${wrong}\\)`));
    assert.ok(!refused.stderr.includes('revoked'));
  });

  it('takes a helper answer with the <token> user as an identity token', async () => {
    const bin = path.join(tmp, 'bin');
    installCredentialHelper(bin, 'okdtoken', { secrets: { [reg.host]: { Username: '<token>', Secret: reg.tokenServer!.refreshToken } } });
    const env = cliEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` });
    writeJson(path.join(env.HOME!, '.docker', 'config.json'), { credsStore: 'okdtoken' });
    const before = reg.tokenServer!.refreshed;
    assertInfo(await info(env), payload);
    assert.ok(reg.tokenServer!.refreshed > before);
  });

  it('a login after the token service refused the credentials is used by the same client', async () => {
    const dir = path.join(tmp, 'relogin');
    const config = path.join(dir, 'config.json');
    const client = new RegistryClient({ insecure: true, env: { DOCKER_CONFIG: dir }, homeDir: path.join(tmp, 'no-home'), retryBaseMs: 50 });
    try {
      await assert.rejects(client.getManifest(reg.host, 'okd/scos-release', '4.10.0-okd-cred.2'), { kind: 'unauthorized', message: `registry ${reg.host} requires authentication for repository okd/scos-release` });
      writeJson(config, { auths: { [reg.host]: { auth: b64('okd-user:wrong') } } });
      await assert.rejects(client.getManifest(reg.host, 'okd/scos-release', '4.10.0-okd-cred.2'), { kind: 'unauthorized', message: `credentials for ${reg.host} were rejected (from ${config})` });
      writeJson(config, { auths: { [reg.host]: { auth: b64(`${reg.username}:${reg.password}`) } } });
      assert.equal((await client.getManifest(reg.host, 'okd/scos-release', '4.10.0-okd-cred.2')).digest, payload.digest);
    } finally {
      await client.close();
    }
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { sha256Digest } from '../../src/core/registry/digest';
import { cliEnv, runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { freePort, startRegistry, type TestRegistry } from '../support/registry';

// `okd-dev release info SOURCE@digest` where SOURCE is down (nothing listens) or empty, and a mirror (a second real
// docker-registry) holds the payload under another namespace: through registries.conf (CONTAINERS_REGISTRIES_CONF,
// the user's file), --idms-file and --icsp-file; a blocked registry; pushes that never go to a mirror.
const tag = '4.10.0-okd-mirror.1';

describe('mirrors: registries.conf, --idms-file, --icsp-file (okd-dev release info)', () => {
  let mirror: TestRegistry;
  let empty: TestRegistry;
  let down: string;
  let payload: TestPayload;
  let dir: string;

  before(async () => {
    [mirror, empty] = await Promise.all([startRegistry(), startRegistry()]);
    down = `127.0.0.1:${await freePort()}`;
    payload = await pushTestPayload({
      client: new RegistryClient({ insecure: true, registriesConf: false }),
      registry: mirror.host,
      repository: 'mirrored/okd/scos-release',
      tag,
      version: tag,
      small: true,
      tinyBase: true,
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-mirrors-'));
  });

  after(async () => {
    await Promise.all([mirror?.stop(), empty?.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const conf = (source: string, extra = '') => `# a mirror for ${source}
[[registry]]
prefix = "${source}/okd"
location = "${source}/okd"
insecure = true
${extra}
[[registry.mirror]]
location = "${mirror.host}/mirrored/okd"
insecure = true
`;
  const digestLine = () => new RegExp(`^Digest:\\s+${payload.digest}$`, 'm');

  it('reads SOURCE@digest from the registries.conf mirror (CONTAINERS_REGISTRIES_CONF) while the source is down', async () => {
    const file = write('down.conf', conf(down));
    const result = await runCli(['release', 'info', `${down}/okd/scos-release@${payload.digest}`, '-v'], cliEnv({ CONTAINERS_REGISTRIES_CONF: file }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, digestLine());
    assert.match(result.stderr, new RegExp(`read from ${mirror.host.replace(/\./g, '\\.')}/mirrored/okd/scos-release`));
  });

  it('reads the user file ~/.config/containers/registries.conf (it replaces the system file), and a tag too', async () => {
    const env = cliEnv();
    const userDir = path.join(env.HOME as string, '.config', 'containers');
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(path.join(userDir, 'registries.conf'), conf(down));
    const byTag = await runCli(['release', 'info', `${down}/okd/scos-release:${tag}`], env);
    assert.equal(byTag.code, 0, byTag.stderr);
    assert.match(byTag.stdout, digestLine());
  });

  it('a drop-in in ~/.config/containers/registries.conf.d replaces the [[registry]] of the same prefix', async () => {
    const env = cliEnv();
    const userDir = path.join(env.HOME as string, '.config', 'containers');
    fs.mkdirSync(path.join(userDir, 'registries.conf.d'), { recursive: true });
    // The main file's mirror is wrong; the drop-in's table for the same prefix wins.
    fs.writeFileSync(path.join(userDir, 'registries.conf'), conf(down).replace(`${mirror.host}/mirrored/okd`, `${empty.host}/nothing/okd`));
    fs.writeFileSync(path.join(userDir, 'registries.conf.d', '50-mirror.conf'), conf(down));
    const result = await runCli(['release', 'info', `${down}/okd/scos-release@${payload.digest}`], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, digestLine());
  });

  it('mirror-by-digest-only: a tag goes to the source alone, and its error names it', async () => {
    const file = write('digest-only.conf', conf(down, 'mirror-by-digest-only = true'));
    const env = cliEnv({ CONTAINERS_REGISTRIES_CONF: file });
    const byTag = await runCli(['release', 'info', `${down}/okd/scos-release:${tag}`], env);
    assert.equal(byTag.code, 1, byTag.stdout);
    assert.match(byTag.stderr, new RegExp(`registry ${down.replace(/\./g, '\\.')} did not answer .*connection refused`));
    const byDigest = await runCli(['release', 'info', `${down}/okd/scos-release@${payload.digest}`], env);
    assert.equal(byDigest.code, 0, byDigest.stderr);
  });

  it('an explicit CONTAINERS_REGISTRIES_CONF that does not exist is an error, as in containers/image', async () => {
    const result = await runCli(['release', 'info', `${down}/okd/scos-release@${payload.digest}`], cliEnv({ CONTAINERS_REGISTRIES_CONF: path.join(dir, 'missing.conf') }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /registries configuration .*missing\.conf: cannot be read/);
  });

  it('--idms-file: the empty source answers 404, the IDMS mirror serves the digest; a tag does not use it', async () => {
    const idms = write(
      'idms.yaml',
      `apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata:
  name: okd-mirror
spec:
  imageDigestMirrors:
  - source: ${empty.host}/okd
    mirrors:
    - ${mirror.host}/mirrored/okd
`,
    );
    const env = cliEnv({ CONTAINERS_REGISTRIES_CONF: write('none.conf', '') });
    const byDigest = await runCli(['release', 'info', `${empty.host}/okd/scos-release@${payload.digest}`, '--idms-file', idms, '--insecure'], env);
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.match(byDigest.stdout, digestLine());
    const byTag = await runCli(['release', 'info', `${empty.host}/okd/scos-release:${tag}`, '--idms-file', idms, '--insecure'], env);
    assert.equal(byTag.code, 1, byTag.stdout);
    assert.match(byTag.stderr, /not found|unknown/i);
  });

  it('--icsp-file: spec.repositoryDigestMirrors, with the source down', async () => {
    const icsp = write(
      'icsp.yaml',
      `apiVersion: operator.openshift.io/v1alpha1
kind: ImageContentSourcePolicy
metadata:
  name: okd-mirror
spec:
  repositoryDigestMirrors:
  - source: ${down}/okd/scos-release
    mirrors:
    - ${mirror.host}/mirrored/okd/scos-release
`,
    );
    const result = await runCli(['release', 'info', `${down}/okd/scos-release@${payload.digest}`, '--icsp-file', icsp, '--insecure'], cliEnv({ CONTAINERS_REGISTRIES_CONF: write('none2.conf', '') }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, digestLine());
  });

  it('a file that is not an ImageDigestMirrorSet is refused, naming the flag and the file', async () => {
    const wrong = write('wrong.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const result = await runCli(['release', 'info', `${down}/okd/scos-release@${payload.digest}`, '--idms-file', wrong], cliEnv());
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--idms-file .*wrong\.yaml: the document is a ConfigMap, not a ImageDigestMirrorSet/);
  });

  it('a blocked registry is refused with what to change, before anything is sent', async () => {
    const file = write('blocked.conf', `[[registry]]\nlocation = "${mirror.host}"\nblocked = true\n`);
    const result = await runCli(['release', 'info', `${mirror.host}/mirrored/okd/scos-release@${payload.digest}`], cliEnv({ CONTAINERS_REGISTRIES_CONF: file }));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, new RegExp(`registry ${mirror.host.replace(/\./g, '\\.')} is blocked in .*blocked\\.conf.*blocked = true`));
  });

  it('pushes go to the registry named, never to its mirror', async () => {
    const file = write('push.conf', conf(empty.host));
    const client = new RegistryClient({ insecure: true, registriesConf: { file } });
    const plain = new RegistryClient({ insecure: true, registriesConf: false });
    const blob = Buffer.from(`pushed through a mirrored prefix ${Date.now()}`);
    const pushed = await client.pushBlob(empty.host, 'okd/pushed', { digest: sha256Digest(blob), size: blob.length, data: blob });
    assert.equal(await plain.blobExists(empty.host, 'okd/pushed', pushed.digest), true);
    assert.equal(await plain.blobExists(mirror.host, 'mirrored/okd/pushed', pushed.digest), false);
    // A read of it by digest tries the mirror first (it has nothing), then the registry.
    assert.deepEqual(await client.readBlob(empty.host, 'okd/pushed', { digest: pushed.digest, size: blob.length }), blob);
  });
});

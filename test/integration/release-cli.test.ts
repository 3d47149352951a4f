import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLayer, sha256 } from '../../src/core/image/layer';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { fixtureTags } from '../support/payload/manifests';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { blobDataPath, startRegistry, type TestRegistry } from '../support/registry';

interface InfoJson {
  name: string;
  version: string;
  digest: string;
  created: string;
  os: string;
  arch: string;
  manifests: number;
  metadata: { version: string; previous: string[]; metadata: Record<string, string> };
  images: { name: string; pullSpec: string; digest: string; commit: string; source: string; commitUrl?: string }[];
  operators: { name: string; namespaces: string[]; deployments: { namespace: string; name: string; containers: { name: string; image: string; component?: string }[] }[]; clusterOperators: string[]; manifests: string[]; images: string[] }[];
}

describe('okd-dev release info and diff against a real registry', () => {
  let registry: TestRegistry;
  let a: TestPayload;
  let b: TestPayload;
  let multi: TestPayload;
  const repo = 'okd/scos-release';

  before(async () => {
    registry = await startRegistry({ proxy: true });
    const client = new RegistryClient({ insecure: true });
    a = await pushTestPayload({ client, registry: registry.host, repository: repo, tag: '4.10.0-okd-test.1', version: '4.10.0-okd-test.1' });
    const tags = fixtureTags()
      .filter((tag) => tag.name !== 'aws-cloud-controller-manager')
      .map((tag) => {
        if (tag.name === 'cluster-image-registry-operator') return { ...tag, annotations: { ...tag.annotations, 'io.openshift.build.commit.id': '0123456789abcdef0123456789abcdef01234567' }, from: { kind: 'DockerImage' as const, name: tag.from.name.replace(/@sha256:.*/, `@${sha256('new registry operator')}`) } };
        if (tag.name === 'cli') return { ...tag, from: { kind: 'DockerImage' as const, name: tag.from.name.replace(/@sha256:.*/, `@${sha256('rebuilt cli')}`) } };
        return tag;
      });
    tags.push({ name: 'my-new-component', annotations: { 'io.openshift.build.commit.id': 'abc', 'io.openshift.build.source-location': 'https://github.com/openshift/my-new-component' }, from: { kind: 'DockerImage', name: `quay.io/okd/scos-content@${sha256('my new component')}` } });
    b = await pushTestPayload({
      client, registry: registry.host, repository: repo, tag: '4.10.0-okd-test.2', version: '4.10.0-okd-test.2', format: 'docker', tags,
      previous: ['4.10.0-okd-test.1'],
    });
    multi = await pushTestPayload({ client, registry: registry.host, repository: repo, tag: '4.10.0-okd-test.multi', version: '4.10.0-okd-test.multi', multiArch: true, small: true, tinyBase: true });
  });

  after(async () => {
    await registry?.stop();
  });

  it('prints a release like oc adm release info', async () => {
    const result = await runCli(['release', 'info', a.pullSpec, '--insecure']);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, /^Name:\s+4\.10\.0-okd-test\.1$/m);
    assert.match(out, new RegExp(`^Digest:\\s+${a.digest}$`, 'm'));
    assert.match(out, /^OS\/Arch:\s+linux\/amd64$/m);
    const manifests = [...a.files.keys()].filter((f) => f !== 'image-references' && f !== 'release-metadata').length;
    assert.match(out, new RegExp(`^Manifests:\\s+${manifests}$`, 'm'));
    assert.match(out, new RegExp(`^Pull From:\\s+${registry.host}/${repo}@${a.digest}$`, 'm'));
    assert.match(out, /^\s+Version:\s+4\.10\.0-okd-test\.1$/m);
    assert.match(out, /^Images:$/m);
    const registryOperator = fixtureTags().find((tag) => tag.name === 'cluster-image-registry-operator');
    assert.match(out, new RegExp(`^\\s+cluster-image-registry-operator\\s+${registryOperator?.from.name.split('@')[1]}$`, 'm'));
    assert.equal(result.stderr, '', 'no progress output when stderr is not a terminal');
  });

  it('gives the whole release as JSON with operators, deployments and their components', async () => {
    const result = await runCli(['release', 'info', a.pullSpec, '--insecure', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(result.stdout) as InfoJson;
    assert.equal(info.name, '4.10.0-okd-test.1');
    assert.equal(info.version, '4.10.0-okd-test.1');
    assert.equal(info.digest, a.digest);
    assert.equal(info.os, 'linux');
    assert.equal(info.arch, 'amd64');
    assert.equal(info.images.length, 146);
    assert.equal(info.manifests, [...a.files.keys()].length - 2);
    const cro = info.images.find((image) => image.name === 'cluster-image-registry-operator');
    assert.equal(cro?.source, 'https://github.com/openshift/cluster-image-registry-operator');
    assert.equal(cro?.commitUrl, `https://github.com/openshift/cluster-image-registry-operator/commit/${cro?.commit}`);
    const operator = info.operators.find((op) => op.name === 'cluster-image-registry-operator');
    assert.ok(operator, 'cluster-image-registry-operator is an operator of the payload');
    assert.deepEqual(operator.namespaces.includes('openshift-image-registry'), true);
    const deployment = operator.deployments.find((d) => d.name === 'cluster-image-registry-operator');
    assert.equal(deployment?.namespace, 'openshift-image-registry');
    assert.equal(deployment?.containers[0]?.component, 'cluster-image-registry-operator');
    assert.equal(deployment?.containers[0]?.image, cro?.pullSpec);
    assert.ok(operator.clusterOperators.includes('image-registry'));
    assert.ok(operator.images.includes('docker-registry'), 'IMAGE env of the operator references the docker-registry component');
  });

  it('shows commits, commit URLs, pullspecs and operators views', async () => {
    const commits = await runCli(['release', 'info', a.pullSpec, '--insecure', '--commits']);
    assert.equal(commits.code, 0, commits.stderr);
    const commit = fixtureTags().find((tag) => tag.name === 'cluster-monitoring-operator')?.annotations['io.openshift.build.commit.id'];
    assert.match(commits.stdout, new RegExp(`^\\s+cluster-monitoring-operator\\s+https://github.com/openshift/cluster-monitoring-operator\\s+${commit}$`, 'm'));
    const urls = await runCli(['release', 'info', a.pullSpec, '--insecure', '--commit-urls']);
    assert.match(urls.stdout, new RegExp(`^\\s+cluster-monitoring-operator\\s+https://github.com/openshift/cluster-monitoring-operator/commit/${commit}$`, 'm'));
    const pullspecs = await runCli(['release', 'info', a.pullSpec, '--insecure', '--pullspecs']);
    assert.match(pullspecs.stdout, /^\s+cluster-monitoring-operator\s+quay\.io\/openshift-release-dev\/ocp-v4\.0-art-dev@sha256:[a-f0-9]{64}$/m);
    const operators = await runCli(['release', 'info', a.pullSpec, '--insecure', '--operators']);
    assert.equal(operators.code, 0, operators.stderr);
    assert.match(operators.stdout, /cluster-samples-operator/);
    assert.match(operators.stdout, /openshift-cluster-samples-operator/);
  });

  it('reads only the manifest, the config and the top layer, and a second read of the digest sends nothing', async () => {
    const env = cliEnv();
    const before = { ...registry.counters };
    const cold = await runCli(['release', 'info', a.digestPullSpec, '--insecure'], env);
    assert.equal(cold.code, 0, cold.stderr);
    const read = registry.counters.bytesToClient - before.bytesToClient;
    const needed = a.sizes.manifest + a.sizes.config + a.sizes.topLayer;
    assert.ok(read < needed * 1.1 + 20_000, `read ${read} bytes for ${needed} bytes of manifest, config and top layer (base ${a.sizes.base})`);
    const connections = registry.counters.connections;
    const warm = await runCli(['release', 'info', a.digestPullSpec, '--insecure'], env);
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(registry.counters.connections, connections, 'the cached read opened no connection to the registry');
  });

  it('compares two releases with oc\'s categories', async () => {
    const result = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const diff = JSON.parse(result.stdout) as {
      changed: { name: string; commitTo: string; compareUrl?: string }[];
      rebuilt: { name: string }[];
      added: { name: string }[];
      removed: { name: string }[];
      manifestsChanged: string[];
      upgradeFrom: boolean;
    };
    assert.deepEqual(diff.changed.map((c) => c.name), ['cluster-image-registry-operator']);
    assert.match(diff.changed[0]?.compareUrl ?? '', /^https:\/\/github\.com\/openshift\/cluster-image-registry-operator\/compare\/[a-f0-9]+\.\.\.0123456789abcdef0123456789abcdef01234567$/);
    assert.deepEqual(diff.rebuilt.map((c) => c.name), ['cli']);
    assert.deepEqual(diff.added.map((c) => c.name), ['my-new-component']);
    assert.deepEqual(diff.removed.map((c) => c.name), ['aws-cloud-controller-manager']);
    assert.ok(diff.manifestsChanged.includes('0000_50_cluster-image-registry-operator_07-operator.yaml'), 'the operator manifest changed with its image');
    assert.equal(diff.upgradeFrom, true);
    const text = await runCli(['release', 'diff', a.pullSpec, b.pullSpec, '--insecure']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Upgrade From:\s+Yes/i);
    assert.match(text.stdout, /cluster-image-registry-operator/);
  });

  it('reports a multi-arch payload as multi with the list digest, and reads one platform on request', async () => {
    const result = await runCli(['release', 'info', multi.pullSpec, '--insecure', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(result.stdout) as InfoJson;
    assert.equal(info.digest, multi.listDigest);
    assert.equal(info.arch, 'multi');
    const text = await runCli(['release', 'info', multi.pullSpec, '--insecure']);
    assert.match(text.stdout, /^OS\/Arch:\s+multi \(linux\/amd64, linux\/arm64\)$/m);
    const arm = await runCli(['release', 'info', multi.pullSpec, '--insecure', '--filter-by-os', 'linux/arm64', '-o', 'json']);
    assert.equal(arm.code, 0, arm.stderr);
    const armInfo = JSON.parse(arm.stdout) as InfoJson;
    assert.equal(armInfo.arch, 'arm64');
    assert.equal(armInfo.digest, multi.platformDigests['linux/arm64']);
    const missing = await runCli(['release', 'info', multi.pullSpec, '--insecure', '--filter-by-os', 'linux/s390x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /linux\/s390x/);
    assert.match(missing.stderr, /linux\/amd64, linux\/arm64/);
  });

  it('retries a registry that resets the connection twice and then answers', async () => {
    registry.resetNextConnections(2);
    const result = await runCli(['release', 'info', a.pullSpec, '--insecure']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Name:\s+4\.10\.0-okd-test\.1$/m);
  });

  describe('bad input gets one clear line and exit 1, and nothing is cached', () => {
    const errorOf = async (args: string[], env = cliEnv()) => {
      const result = await runCli(args, env);
      assert.equal(result.code, 1, `exit code for ${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
      assert.equal(result.stdout, '');
      return result.stderr.trim();
    };

    it('an unknown tag and an unknown repository', async () => {
      assert.match(await errorOf(['release', 'info', `${registry.host}/${repo}:4.99.0`, '--insecure']), new RegExp(`^error: .*4\\.99\\.0.* not found in ${registry.host}/${repo}`));
      assert.match(await errorOf(['release', 'info', `${registry.host}/okd/nothing-here:1`, '--insecure']), new RegExp(`^error: (tag 1|repository) .*not found in ${registry.host}/okd/nothing-here`));
    });

    it('an image that is not a payload', async () => {
      const client = new RegistryClient({ insecure: true });
      const notPayload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/operator', tag: 'v1', version: 'x', tinyBase: true, topLayer: await buildLayer([{ path: 'usr/bin/operator', content: Buffer.from('binary') }]) });
      assert.equal(await errorOf(['release', 'info', notPayload.pullSpec, '--insecure']), `error: ${notPayload.pullSpec} is not a release payload: its top layer has no release-manifests/image-references. Pass the pullspec of a release image, such as quay.io/okd/scos-release:<version>`);
    });

    it('a blob whose content does not match its digest', async () => {
      const client = new RegistryClient({ insecure: true });
      const payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/corrupt', tag: '1', version: '1', tinyBase: true, small: true });
      const file = blobDataPath(registry, payload.topLayer.digest);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 20] = bytes[bytes.length - 20] ^ 0xff;
      fs.writeFileSync(file, bytes);
      const env = cliEnv();
      const message = await errorOf(['release', 'info', payload.pullSpec, '--insecure'], env);
      assert.match(message, new RegExp(`^error: blob ${payload.topLayer.digest} .*does not match its digest`));
      assert.equal(fs.existsSync(path.join(env.OKD_DEV_CACHE_DIR as string, 'payloads')), false, 'nothing cached');
    });

    it('a release cache every user may write to: refused before anything is read from it or written', async () => {
      const client = new RegistryClient({ insecure: true });
      const payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/shared-cache', tag: '1', version: '4.19.0-shared-cache', tinyBase: true, small: true });
      const env = cliEnv();
      const dir = env.OKD_DEV_CACHE_DIR as string;
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, 0o777);
      const r = await runCli(['release', 'info', payload.pullSpec, '--insecure'], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`^error: the release cache ${dir} is writable by every user \\(mode 777\\): its entries could have been put there by someone else\\. Run \`chmod 700 ${dir}\` if it is yours`));
      assert.deepEqual(fs.readdirSync(dir), []);
      fs.chmodSync(dir, 0o700);
      const ok = await runCli(['release', 'info', payload.pullSpec, '--insecure'], env);
      assert.equal(ok.code, 0, ok.stderr);
    });

    it('a truncated gzip layer', async () => {
      const client = new RegistryClient({ insecure: true });
      const good = await buildLayer([{ path: 'release-manifests/image-references', content: Buffer.from('{}'.padEnd(5000, ' ')) }], { gzipLevel: 0 });
      const data = good.data.subarray(0, Math.floor(good.data.length / 2));
      const payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/truncated', tag: '1', version: '1', tinyBase: true, topLayer: { ...good, data, digest: sha256(data), size: data.length } });
      assert.match(await errorOf(['release', 'info', payload.pullSpec, '--insecure']), /^error: layer sha256:[a-f0-9]{64} of .* is corrupt: the gzip data ends early \(truncated layer\)/);
    });

    it('a tar entry that escapes with ../', async () => {
      const client = new RegistryClient({ insecure: true });
      const evil = await buildLayer([{ path: 'release-manifests/../../../etc/cron.d/evil', content: Buffer.from('* * * * * root true') }]);
      const payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/evil', tag: '1', version: '1', tinyBase: true, topLayer: evil });
      assert.match(await errorOf(['release', 'info', payload.pullSpec, '--insecure']), /^error: layer sha256:[a-f0-9]{64} of .* has an entry 'release-manifests\/\.\.\/' that escapes the layer with '\.\.'/);
    });

    it('an invalid pullspec', async () => {
      assert.match(await errorOf(['release', 'info', 'Quay.io/OKD/Release:4.1']), /^error: .*(uppercase|lowercase)/);
    });
  });

  describe('usage errors exit 2', () => {
    for (const [args, message] of [
      [['release', 'info', 'a', 'b', '--changes-from', 'c'], /give a single PULLSPEC to compare with --changes-from/],
      [['release', 'info', 'x', '--commits', '--pullspecs'], /only one of --pullspecs, --commits may be given/],
      [['release', 'info', 'x', '-o', 'yaml'], /unknown output format 'yaml'/],
      [['release', 'info', 'x', '--bogus'], /--bogus/],
      [['release', 'diff', 'x'], /expected FROM and TO/],
      [['release', 'nope'], /unknown command 'release nope'/],
    ] as const) {
      it(`okd-dev ${args.join(' ')}`, async () => {
        const result = await runCli([...args]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, message);
      });
    }
  });
});

describe('okd-dev release info against registries with TLS and authentication', () => {
  for (const auth of ['basic', 'token'] as const) {
    describe(`TLS + ${auth} auth`, () => {
      let registry: TestRegistry;
      let payload: TestPayload;

      before(async () => {
        registry = await startRegistry({ tls: true, auth });
        const client = new RegistryClient({ caFile: registry.caFile, authFile: registry.authFile });
        payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.19.0-okd-scos.0', version: '4.19.0-okd-scos.0', tinyBase: true, small: true });
      });
      after(async () => {
        await registry?.stop();
      });

      it('reads with credentials from -a and a CA file, or --insecure', async () => {
        const ok = await runCli(['release', 'info', payload.pullSpec, '-a', registry.authFile as string, '--ca-file', registry.caFile as string]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /^Name:\s+4\.19\.0-okd-scos\.0$/m);
        const insecure = await runCli(['release', 'info', payload.pullSpec, '-a', registry.authFile as string, '--insecure']);
        assert.equal(insecure.code, 0, insecure.stderr);
      });

      it('finds credentials in REGISTRY_AUTH_FILE and the containers auth.json', async () => {
        const viaEnv = await runCli(['release', 'info', payload.pullSpec, '--insecure'], cliEnv({ REGISTRY_AUTH_FILE: registry.authFile }));
        assert.equal(viaEnv.code, 0, viaEnv.stderr);
        const env = cliEnv();
        fs.mkdirSync(path.join(env.HOME as string, '.config', 'containers'), { recursive: true });
        fs.copyFileSync(registry.authFile as string, path.join(env.HOME as string, '.config', 'containers', 'auth.json'));
        const viaHome = await runCli(['release', 'info', payload.pullSpec, '--insecure'], env);
        assert.equal(viaHome.code, 0, viaHome.stderr);
      });

      it('says what to do without credentials, with wrong ones, and with an untrusted certificate', async () => {
        const missing = await runCli(['release', 'info', payload.pullSpec, '--insecure']);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, new RegExp(`^error: registry ${registry.host} requires authentication.*podman login ${registry.host}`, 's'));
        const env = cliEnv();
        const wrong = path.join(env.HOME as string, 'auth.json');
        fs.writeFileSync(wrong, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:Not-The-Password-9x`).toString('base64') } } }));
        const rejected = await runCli(['release', 'info', payload.pullSpec, '--insecure', '-a', wrong], env);
        assert.equal(rejected.code, 1);
        assert.match(rejected.stderr, new RegExp(`credentials for ${registry.host}.*rejected`));
        assert.ok(!rejected.stderr.includes('Not-The-Password-9x'), 'the password is never printed');
        const untrusted = await runCli(['release', 'info', payload.pullSpec, '-a', registry.authFile as string]);
        assert.equal(untrusted.code, 1);
        assert.match(untrusted.stderr, /certificate|TLS/i);
      });
    });
  }
});

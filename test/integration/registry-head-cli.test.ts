// Tag -> digest by manifest HEAD where only the digest is needed (Docker Hub counts manifest GETs against the pull
// limit, HEADs not), through okd-dev as a process against the real docker-registry behind the counting front.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';
import { type RegistryFront, startRegistryFront } from '../support/registry/front';
import { pushLayeredImage } from './release-new-support';

const CRO = 'cluster-image-registry-operator';

interface InfoJson {
  digest: string;
  version: string;
  offline?: unknown;
}

describe('okd-dev resolves tags by HEAD where it needs only the digest', { timeout: 180_000 }, () => {
  let registry: TestRegistry;
  let front: RegistryFront;
  let client: RegistryClient;
  let single: TestPayload;
  let multi: TestPayload;

  before(async () => {
    registry = await startRegistry();
    front = await startRegistryFront(registry);
    // Set-up goes to the registry directly: only what the CLI does passes the front.
    client = new RegistryClient({ insecure: true });
    single = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-test.1', version: '4.10.0-okd-test.1', small: true, tinyBase: true });
    multi = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-test.multi', version: '4.10.0-okd-test.multi', multiArch: true, small: true, tinyBase: true });
    await pushLayeredImage(client, registry.host, 'me/cluster-image-registry-operator', 'dev', [
      [{ path: 'usr/bin/cluster-image-registry-operator', content: Buffer.from('#!/bin/sh\necho my operator\n'), mode: 0o755 }],
    ], { 'io.openshift.release.operator': 'true' });
    await pushLayeredImage(client, registry.host, 'okd/taken', 'taken', [[{ path: 'etc/taken', content: Buffer.from('taken\n') }]]);
  });

  after(async () => {
    await client?.close();
    await front?.stop();
    await registry?.stop();
  });

  const viaFront = (pullSpec: string) => pullSpec.replace(registry.host, front.host);
  const manifestPath = (repository: string, reference: string) => new RegExp(`^/v2/${repository}/manifests/${reference.replace(/\./g, '\\.')}$`);
  /** What one CLI run sent to the front: manifest HEADs and GETs of the tag, any manifest GET, blob GETs. */
  const counted = async (args: string[], env: NodeJS.ProcessEnv, tagPath: RegExp) => {
    const start = front.log.length;
    const result = await runCli(args, env);
    const seen = front.log.slice(start).filter((e) => e.server === 'front');
    return {
      result,
      tagHeads: seen.filter((e) => e.method === 'HEAD' && tagPath.test(e.path)).map((e) => e.status),
      tagGets: seen.filter((e) => e.method === 'GET' && tagPath.test(e.path)).length,
      manifestGets: seen.filter((e) => e.method === 'GET' && e.path.includes('/manifests/')).length,
      blobGets: seen.filter((e) => e.method === 'GET' && e.path.includes('/blobs/')).length,
    };
  };

  it('release info <tag> a second time sends one HEAD for the tag and no manifest or blob GET', async () => {
    const env = cliEnv();
    const args = ['release', 'info', viaFront(single.pullSpec), '--insecure', '-o', 'json'];
    const tag = manifestPath('okd/scos-release', '4.10.0-okd-test.1');
    const first = await counted(args, env, tag);
    assert.equal(first.result.code, 0, first.result.stderr);
    assert.deepEqual([first.tagHeads, first.tagGets, first.blobGets], [[], 1, 2], 'a tag never read: the manifest by GET (no HEAD), config and top layer');
    const second = await counted(args, env, tag);
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.deepEqual([second.tagHeads, second.manifestGets, second.blobGets], [[200], 0, 0], 'one HEAD, the payload from the cache');
    const [a, b] = [first, second].map((run) => JSON.parse(run.result.stdout) as InfoJson);
    assert.deepEqual([b?.digest, b?.version, b?.offline], [single.digest, '4.10.0-okd-test.1', undefined]);
    assert.deepEqual(b, a, 'the same answer as the first read');
  });

  it('a manifest list: the HEAD names the list digest the cache files it under', async () => {
    const env = cliEnv();
    const tag = manifestPath('okd/scos-release', '4.10.0-okd-test.multi');
    for (const extra of [[], ['--filter-by-os', 'linux/arm64']]) {
      const args = ['release', 'info', viaFront(multi.pullSpec), '--insecure', '-o', 'json', ...extra];
      const first = await counted(args, env, tag);
      assert.equal(first.result.code, 0, first.result.stderr);
      assert.equal(first.manifestGets, 2, 'the list and the platform manifest');
      const second = await counted(args, env, tag);
      assert.equal(second.result.code, 0, second.result.stderr);
      assert.deepEqual([second.tagHeads, second.manifestGets, second.blobGets], [[200], 0, 0], `${extra.join(' ') || 'the whole list'}: one HEAD, from the cache`);
      const info = JSON.parse(second.result.stdout) as InfoJson;
      assert.equal(info.digest, extra.length ? multi.platformDigests['linux/arm64'] : multi.listDigest);
      assert.deepEqual(info, JSON.parse(first.result.stdout));
    }
  });

  it('a tag that moved is read again after the HEAD; a HEAD without a digest falls back to a GET', async () => {
    const env = cliEnv();
    const repository = 'okd/moving-release';
    const tag = manifestPath(repository, 'latest-4.10');
    const before = await pushTestPayload({ client, registry: registry.host, repository, tag: 'latest-4.10', version: '4.10.0-okd-test.2', small: true, tinyBase: true });
    const args = ['release', 'info', viaFront(before.pullSpec), '--insecure', '-o', 'json'];
    assert.equal((await counted(args, env, tag)).result.code, 0);
    const moved = await pushTestPayload({ client, registry: registry.host, repository, tag: 'latest-4.10', version: '4.10.0-okd-test.3', small: true, tinyBase: true });
    const second = await counted(args, env, tag);
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.deepEqual([second.tagHeads, second.tagGets, second.blobGets], [[200], 1, 2], 'the HEAD named a payload not in the cache: read it');
    assert.deepEqual((({ digest, version }) => [digest, version])(JSON.parse(second.result.stdout) as InfoJson), [moved.digest, '4.10.0-okd-test.3']);

    front.behave({ omitHeadDigest: true });
    try {
      const third = await counted(args, env, tag);
      assert.equal(third.result.code, 0, third.result.stderr);
      assert.deepEqual([third.tagHeads, third.tagGets, third.blobGets], [[200], 1, 0], 'no digest on the HEAD: one GET tells it, the payload from the cache');
      assert.equal((JSON.parse(third.result.stdout) as InfoJson).version, '4.10.0-okd-test.3');
    } finally {
      front.behave({ omitHeadDigest: false });
    }
  });

  it('a tag gone from the registry is not found, after a HEAD', async () => {
    const env = cliEnv();
    const repository = 'okd/gone-release';
    const pushed = await pushTestPayload({ client, registry: registry.host, repository, tag: 'gone', version: '4.10.0-okd-test.4', small: true, tinyBase: true });
    const args = ['release', 'info', viaFront(pushed.pullSpec), '--insecure'];
    assert.equal((await runCli(args, env)).code, 0);
    await client.getManifest(registry.host, repository, 'gone').then((m) => deleteManifest(registry.url, repository, m.digest));
    const second = await counted(args, env, manifestPath(repository, 'gone'));
    assert.equal(second.result.code, 1);
    assert.deepEqual(second.tagHeads, [404]);
    assert.match(second.result.stderr, new RegExp(`^error: tag gone not found in ${front.host}/${repository}`));
  });

  it('release new checks the target tag is free with a HEAD, no GET', async () => {
    const base = ['release', 'new', '--from-release', viaFront(single.pullSpec), `${CRO}=${front.host}/me/cluster-image-registry-operator:dev`, '--insecure'];
    const taken = manifestPath('okd/taken', 'taken');
    const refused = await counted([...base, '--to-image', `${front.host}/okd/taken:taken`], cliEnv(), taken);
    assert.equal(refused.result.code, 1);
    assert.equal(refused.result.stderr, `error: ${front.host}/okd/taken:taken already exists. Pass --force to replace it, or choose another tag with --to-image\n`);
    assert.deepEqual([refused.tagHeads, refused.tagGets], [[200], 0]);

    const free = manifestPath('okd/custom-release', 'mine');
    const created = await counted([...base, '--to-image', `${front.host}/okd/custom-release:mine`, '-o', 'json'], cliEnv(), free);
    assert.equal(created.result.code, 0, created.result.stderr);
    assert.deepEqual([created.tagHeads, created.tagGets], [[404], 0], 'a 404 on the HEAD: the tag is free');
  });
});

/** Deletes a manifest from the test registry directly (docker-registry runs with deletes enabled). */
async function deleteManifest(url: string, repository: string, digest: string): Promise<void> {
  const res = await fetch(`${url}/v2/${repository}/manifests/${digest}`, { method: 'DELETE' });
  if (res.status !== 202) throw new Error(`DELETE ${repository}@${digest}: ${res.status} ${await res.text()}`);
}

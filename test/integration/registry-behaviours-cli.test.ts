import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { skopeoInspect, startRegistry, type TestRegistry } from '../support/registry';
import { type RegistryFront, startRegistryFront } from '../support/registry/front';
import { pushLayeredImage } from './release-new-support';

const CRO = 'cluster-image-registry-operator';

describe('okd-dev release info and release new through a registry that redirects, refuses mounts and rate-limits', { timeout: 180_000 }, () => {
  let registry: TestRegistry;
  let front: RegistryFront;
  let client: RegistryClient;
  let source: TestPayload;

  before(async () => {
    registry = await startRegistry();
    front = await startRegistryFront(registry);
    // Set-up goes to the registry directly: only what the CLI does passes the front.
    client = new RegistryClient({ insecure: true });
    source = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-test.1', version: '4.10.0-okd-test.1', small: true, tinyBase: true });
    await pushLayeredImage(client, registry.host, 'me/cluster-image-registry-operator', 'dev', [
      [{ path: 'usr/bin/cluster-image-registry-operator', content: Buffer.from('#!/bin/sh\necho my operator\n'), mode: 0o755 }],
    ], { 'io.openshift.release.operator': 'true' });
  });

  after(async () => {
    await client?.close();
    await front?.stop();
    await registry?.stop();
  });

  const viaFront = (pullSpec: string) => pullSpec.replace(registry.host, front.host);

  it('release info reads the payload through blob redirects to a CDN that refuses Authorization', async () => {
    front.behave({ redirectBlobs: true });
    const start = front.log.length;
    const result = await runCli(['release', 'info', viaFront(source.pullSpec), '--insecure', '-o', 'json']);
    front.behave({ redirectBlobs: false });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { version: string }).version, '4.10.0-okd-test.1');
    const cdn = front.log.slice(start).filter((e) => e.server === 'cdn');
    assert.deepEqual(cdn.map((e) => e.status), [200, 200], 'config and top layer from the CDN');
    assert.ok(cdn.every((e) => !e.authorization));
  });

  it('release new uploads what it cannot mount (403), waits out a 429 and copies base layers through redirects', async () => {
    front.behave({ redirectBlobs: true, refuseMounts: true, tooManyRequests: { method: 'PUT', remaining: 1 } });
    const start = front.log.length;
    let result;
    try {
      result = await runCli([
        'release', 'new', '--from-release', viaFront(source.pullSpec),
        `${CRO}=${front.host}/me/cluster-image-registry-operator:dev`,
        '--to-image', `${front.host}/okd/custom-release`, '--insecure', '-o', 'json',
      ]);
    } finally {
      front.behave({ redirectBlobs: false, refuseMounts: false, tooManyRequests: undefined });
    }
    assert.equal(result.code, 0, result.stderr);
    const created = JSON.parse(result.stdout) as { digest: string; mountedBlobs: number; copiedBlobs: number };
    assert.equal(created.mountedBlobs, 0, 'no mount was allowed');
    const seen = front.log.slice(start);
    assert.ok(seen.some((e) => e.method === 'POST' && e.query.includes('mount=') && e.status === 403), 'a mount was tried and refused');
    assert.deepEqual(seen.filter((e) => e.method === 'PUT').map((e) => e.status).slice(0, 2), [429, 201], 'the 429 was waited out');
    assert.ok(seen.some((e) => e.server === 'cdn' && e.status === 200), 'the base layer came through the CDN');
    const inspected = JSON.parse(await skopeoInspect(`okd/custom-release@${created.digest}`, registry)) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, created.digest);
    const info = await runCli(['release', 'info', `${front.host}/okd/custom-release@${created.digest}`, '--insecure', '-o', 'json']);
    assert.equal(info.code, 0, info.stderr);
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry';
import { type BuiltImage, type TestRegistry, buildImage, randomLayer, skopeoInspect, startRegistry } from '../support/registry';

const noHome = { env: {}, homeDir: '/nonexistent', retryBaseMs: 50 };

async function pushImage(client: RegistryClient, reg: TestRegistry, repo: string, image: BuiltImage, tag: string): Promise<string> {
  for (const blob of [image.layer, image.config]) await client.pushBlob(reg.host, repo, { ...blob.descriptor, data: blob.bytes });
  return client.putManifest(reg.host, repo, tag, image.manifest.bytes, image.manifest.descriptor.mediaType);
}

function wrongAuthFile(dir: string, host: string): string {
  const file = path.join(dir, 'wrong-auth.json');
  fs.writeFileSync(file, JSON.stringify({ auths: { [`https://${host}`]: { username: 'okd-user', password: 'wrong' } } }));
  return file;
}

for (const auth of ['basic', 'token'] as const) {
  describe(`registry client against docker-registry with TLS and ${auth} auth`, { timeout: 60_000 }, () => {
    let reg: TestRegistry;
    let client: RegistryClient;
    let tmp: string;

    before(async () => {
      reg = await startRegistry({ tls: true, auth, proxy: true });
      client = new RegistryClient({ ...noHome, caFile: reg.caFile!, authFile: reg.authFile! });
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-registry-auth-'));
    });
    after(async () => {
      await client.close();
      await reg.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('pushes (chunked layer, mount) and reads back with the auth file credentials; skopeo agrees', async () => {
      const image = buildImage({ layerSize: 150_000 });
      const layer = await client.pushBlob(reg.host, 'okd/app', { ...image.layer.descriptor, data: image.layer.bytes }, { chunkSize: 40_000 });
      assert.equal(layer.how, 'uploaded');
      const digest = await pushImage(client, reg, 'okd/app', image, 'v1');
      const inspected = JSON.parse(await skopeoInspect('okd/app:v1', reg)) as { Digest: string };
      assert.equal(inspected.Digest, digest);
      const resolved = await client.resolveImage(reg.host, 'okd/app', 'v1');
      assert.equal(resolved.digest, digest);
      assert.deepEqual(await client.readBlob(reg.host, 'okd/app', resolved.manifest.layers[0]!), image.layer.bytes);
      const before = reg.counters.bytesFromClient;
      const mounted = await client.pushBlob(reg.host, 'okd/other', { ...image.layer.descriptor, data: image.layer.bytes }, { mountFrom: ['okd/app'] });
      assert.equal(mounted.how, 'mounted');
      assert.ok(reg.counters.bytesFromClient - before < 20_000);
    });

    if (auth === 'token') {
      it('caches bearer tokens per scope', async () => {
        const image = buildImage({ layerSize: 1000 });
        await pushImage(client, reg, 'okd/cached', image, 'v1');
        const issued = reg.tokenServer!.issued;
        for (let i = 0; i < 3; i++) await client.getManifest(reg.host, 'okd/cached', 'v1');
        assert.equal(reg.tokenServer!.issued - issued, 1);
      });
    }

    it('accepts an unverified certificate only when told the registry is insecure', async () => {
      const strict = new RegistryClient({ ...noHome, authFile: reg.authFile! });
      await assert.rejects(strict.listTags(reg.host, 'okd/app'), {
        kind: 'unreachable',
        message: new RegExp(`^the TLS certificate of registry ${reg.host} was not accepted: `),
      });
      await strict.close();
      const insecure = new RegistryClient({ ...noHome, authFile: reg.authFile!, insecure: true });
      assert.deepEqual(await insecure.listTags(reg.host, 'okd/app'), ['v1']);
      await insecure.close();
    });

    it('says how to log in when there are no credentials', async () => {
      const anonymous = new RegistryClient({ ...noHome, caFile: reg.caFile! });
      await assert.rejects(anonymous.getManifest(reg.host, 'okd/app', 'v1'), {
        name: 'OkdError',
        kind: 'unauthorized',
        message: `registry ${reg.host} requires authentication for repository okd/app`,
        hint: `log in with \`podman login ${reg.host}\` or pass --registry-config FILE`,
      });
      await anonymous.close();
    });

    it('names the auth file whose credentials were rejected', async () => {
      const file = wrongAuthFile(tmp, reg.host);
      const wrong = new RegistryClient({ ...noHome, caFile: reg.caFile!, authFile: file });
      await assert.rejects(wrong.pushBlob(reg.host, 'okd/app', { ...randomLayer(10).descriptor, data: Buffer.alloc(10) }), {
        kind: 'unauthorized',
        message: `credentials for ${reg.host} were rejected (from ${file})`,
      });
      await wrong.close();
    });
  });
}

describe('auth file errors', { timeout: 60_000 }, () => {
  it('an explicit auth file that does not exist is an error', async (t) => {
    const reg = await startRegistry({ auth: 'basic' });
    t.after(() => reg.stop());
    const client = new RegistryClient({ ...noHome, authFile: '/nonexistent/auth.json', insecure: true });
    t.after(() => client.close());
    await assert.rejects(client.listTags(reg.host, 'okd/app'), { kind: 'invalid-input', message: 'auth file /nonexistent/auth.json does not exist' });
  });
});

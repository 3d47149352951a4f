import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fromAbortSignal } from '../../src/core/cancel';
import { OkdError } from '../../src/core/errors';
import { RegistryClient } from '../../src/core/registry';
import { eventually } from '../support/eventually';
import { type TestRegistry, blobDataPath, buildImage, freePort, randomLayer, startRegistry } from '../support/registry';

/** Reads a stream to its end or its error, recording which happened. */
function drain(stream: Readable): Promise<{ ended: boolean; error?: unknown; bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let ended = false;
    stream.on('data', (d: Buffer) => (bytes += d.length));
    stream.on('end', () => {
      ended = true;
    });
    stream.on('error', (error) => resolve({ ended, error, bytes }));
    stream.on('close', () => setImmediate(() => resolve({ ended, bytes })));
  });
}

describe('registry client errors and resilience', { timeout: 60_000 }, () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  const opts = { retryBaseMs: 50, env: {}, homeDir: '/nonexistent' };

  before(async () => {
    reg = await startRegistry({ proxy: true });
    client = new RegistryClient({ ...opts, insecure: [reg.host] });
  });
  after(async () => {
    await client.close();
    await reg.stop();
  });

  it('names the missing tag, manifest and repository', async () => {
    const image = buildImage();
    await client.pushBlob(reg.host, 'okd/known', { ...image.layer.descriptor, data: image.layer.bytes });
    await client.pushBlob(reg.host, 'okd/known', { ...image.config.descriptor, data: image.config.bytes });
    await client.putManifest(reg.host, 'okd/known', 'v1', image.manifest.bytes, image.manifest.descriptor.mediaType);
    await assert.rejects(client.getManifest(reg.host, 'okd/known', 'nope'), { kind: 'not-found', message: `tag nope not found in ${reg.host}/okd/known` });
    const missing = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(client.getManifest(reg.host, 'okd/known', missing), { kind: 'not-found', message: `manifest ${missing} not found in ${reg.host}/okd/known` });
    await assert.rejects(client.listTags(reg.host, 'okd/unknown'), { kind: 'not-found', message: `repository ${reg.host}/okd/unknown not found` });
    await assert.rejects(client.readBlob(reg.host, 'okd/known', { digest: missing, size: 1 }), { kind: 'not-found', message: `blob ${missing} not found in ${reg.host}/okd/known` });
    assert.equal(await client.blobExists(reg.host, 'okd/known', missing), false);
  });

  it('errors instead of ending when a blob does not match its digest or size', async () => {
    const layer = randomLayer(200_000);
    await client.pushBlob(reg.host, 'okd/corrupt', { ...layer.descriptor, data: layer.bytes });
    // Corrupt the stored bytes (same size) behind the registry's back.
    const file = blobDataPath(reg, layer.descriptor.digest);
    const bad = Buffer.from(layer.bytes);
    bad[1000] = (bad[1000] ?? 0) ^ 0xff;
    fs.writeFileSync(file, bad);
    const result = await drain(await client.openBlob(reg.host, 'okd/corrupt', layer.descriptor));
    assert.equal(result.ended, false);
    assert.ok(result.error instanceof OkdError);
    assert.equal(result.error.kind, 'integrity');
    assert.match(result.error.message, new RegExp(`^blob ${layer.descriptor.digest} from ${reg.host}/okd/corrupt does not match its digest \\(got sha256:[0-9a-f]{64}\\)$`));
    await assert.rejects(client.readBlob(reg.host, 'okd/corrupt', layer.descriptor), { kind: 'integrity' });

    const good = randomLayer(1000);
    await client.pushBlob(reg.host, 'okd/corrupt', { ...good.descriptor, data: good.bytes });
    const short = await drain(await client.openBlob(reg.host, 'okd/corrupt', { digest: good.descriptor.digest, size: 999 }));
    assert.equal(short.ended, false);
    assert.equal((short.error as OkdError).kind, 'integrity');
    const clean = await drain(await client.openBlob(reg.host, 'okd/corrupt', good.descriptor));
    assert.deepEqual([clean.ended, clean.error, clean.bytes], [true, undefined, 1000]);
  });

  it('retries connections reset twice, then reads', async () => {
    const layer = randomLayer(5000);
    await client.pushBlob(reg.host, 'okd/retry', { ...layer.descriptor, data: layer.bytes });
    // A fresh client opens new connections, so the proxy's resets hit it.
    const fresh = new RegistryClient({ ...opts, insecure: [reg.host] });
    reg.resetNextConnections(2);
    const connections = reg.counters.connections;
    const data = await fresh.readBlob(reg.host, 'okd/retry', layer.descriptor);
    assert.deepEqual(data, layer.bytes);
    assert.ok(fresh.stats.retries >= 2, `retries: ${fresh.stats.retries}`);
    assert.ok(reg.counters.connections - connections >= 3);
    await fresh.close();
  });

  it('gives up within the time bound with a clear unreachable error', async (t) => {
    // A server that accepts connections and resets them all.
    const server = net.createServer((s) => s.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => void server.close());
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const hint = 'check that the registry is up and reachable from here (proxy, VPN, firewall), then retry';

    // Retries until the next backoff would end past the bound, then stops: the time bound ends it, not maxAttempts.
    // (Backoffs from 100 ms, doubling, add up past 3 s before a seventh attempt, whatever the jitter.)
    const bounded = new RegistryClient({ env: {}, homeDir: '/nonexistent', insecure: [host], timeoutMs: 3000, retryBaseMs: 100, maxAttempts: 20 });
    t.after(() => bounded.close());
    const err = await bounded.getManifest(host, 'okd/x', 'latest').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OkdError, String(err));
    assert.equal(err.kind, 'unreachable');
    const m = new RegExp(`^registry ${host} did not answer GET /v2/: connection (reset|closed) \\((\\d+) attempts in \\d+\\.\\d s\\)$`).exec(err.message);
    assert.ok(m, err.message);
    const attempts = Number(m[2]);
    assert.ok(attempts >= 2 && attempts <= 7, `${attempts} attempts`);
    assert.deepEqual([bounded.stats.requests, bounded.stats.retries], [attempts, attempts - 1]);
    assert.equal(err.hint, hint);

    // It stops early rather than sleep past the bound: the first backoff (5 to 10 s) would end past the 1.5 s bound,
    // so there is one attempt, no retry, no sleep.
    const impatient = new RegistryClient({ env: {}, homeDir: '/nonexistent', insecure: [host], timeoutMs: 1500, retryBaseMs: 10_000, maxAttempts: 20 });
    t.after(() => impatient.close());
    await assert.rejects(impatient.getManifest(host, 'okd/x', 'latest'), {
      kind: 'unreachable',
      message: new RegExp(`^registry ${host} did not answer GET /v2/: connection (reset|closed) \\(1 attempt in \\d+\\.\\d s\\)$`),
      hint,
    });
    assert.deepEqual([impatient.stats.requests, impatient.stats.retries], [1, 0]);

    // Nothing listening at all: refused, retried, bounded.
    const port = await freePort();
    const refused = new RegistryClient({ env: {}, homeDir: '/nonexistent', timeoutMs: 800, retryBaseMs: 100 });
    t.after(() => refused.close());
    await assert.rejects(refused.getManifest(`127.0.0.1:${port}`, 'okd/x', 'latest'), {
      kind: 'unreachable',
      message: new RegExp(`^registry 127\\.0\\.0\\.1:${port} did not answer GET /v2/: connection refused \\(\\d+ attempts? in \\d+\\.\\d s\\)$`),
    });
    assert.equal(refused.stats.retries, refused.stats.requests - 1);
  });

  it('times out a registry that accepts but never answers, and cancels at once', async (t) => {
    const sockets = new Set<net.Socket>();
    let accepted = 0;
    const server = net.createServer((s) => {
      accepted++;
      sockets.add(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const c = new RegistryClient({ env: {}, homeDir: '/nonexistent', insecure: [host], timeoutMs: 700 });
    t.after(() => c.close());
    await assert.rejects(c.getManifest(host, 'okd/x', 'latest'), {
      kind: 'unreachable',
      message: new RegExp(`^registry ${host} did not answer GET /v2/: timed out after 0\\.7 s \\(1 attempt in \\d+\\.\\d s\\)$`),
    });
    assert.equal(c.stats.requests, 1);
    // Cancellation ends the wait, as a CancelledError rather than an unreachable registry. The client's own bound is
    // 10 minutes, so only the cancel can end it before the suite's 60 s timeout fails the test.
    const controller = new AbortController();
    const patient = new RegistryClient({ env: {}, homeDir: '/nonexistent', insecure: [host], timeoutMs: 600_000 });
    t.after(() => patient.close());
    const before = accepted;
    const pending = patient.getManifest(host, 'okd/x', 'latest', fromAbortSignal(controller.signal));
    // Cancel once the request is waiting on the server, not before it was sent.
    await eventually(() => accepted > before, 15_000, 'the request to reach the server');
    controller.abort();
    await assert.rejects(pending, { name: 'CancelledError' });
    assert.equal(patient.stats.retries, 0);
  });

  it('does not treat 127.0.0.1 as insecure unless told', async () => {
    const strict = new RegistryClient({ ...opts, timeoutMs: 2000 });
    await assert.rejects(strict.getManifest(reg.host, 'okd/known', 'v1'), {
      kind: 'unreachable',
      message: new RegExp(`^registry ${reg.host} did not answer GET /v2/ over TLS: `),
      hint: 'if it serves plain http, allow it as insecure (okd-dev --insecure, setting okd.insecureRegistries)',
    });
    await strict.close();
  });
});

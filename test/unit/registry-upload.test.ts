import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import type { RegistryContext } from '../../src/core/registry/context';
import { UploadLimiter } from '../../src/core/registry/limiter';
import { chunkSizeFor, rangeOffset } from '../../src/core/registry/upload';
import { UploadSource } from '../../src/core/registry/upload-source';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('registry upload pieces', () => {
  it('reads the next offset from an upload Range, telling an empty upload from one byte', () => {
    assert.equal(rangeOffset('0-99999', 0), 100_000);
    assert.equal(rangeOffset('bytes=0-9', 0), 10);
    assert.equal(rangeOffset('0-0', 0), 0, 'distribution answers 0-0 for nothing uploaded yet');
    assert.equal(rangeOffset('0-0', 1), 1);
    assert.equal(rangeOffset(null, 0), undefined);
    assert.equal(rangeOffset('5-9', 0), undefined);
  });

  it('picks a chunk size within OCI-Chunk-Min-Length and OCI-Chunk-Max-Length', () => {
    const ctx = {} as RegistryContext;
    assert.equal(chunkSizeFor(ctx, 'r', 16 << 20, {}), 16 << 20);
    assert.equal(chunkSizeFor(ctx, 'r', 16 << 20, { max: 4 << 20 }), 4 << 20);
    assert.equal(chunkSizeFor(ctx, 'r', 1 << 20, { min: 5 << 20 }), 5 << 20);
    assert.equal(chunkSizeFor(ctx, 'r', 1 << 20, { min: 5 << 20, max: 2 << 20 }), 2 << 20, 'the maximum wins a contradiction');
  });

  it('re-reads a stream source from an earlier offset by opening it again, and checks the digest once', async () => {
    const data = randomBytes(10_000);
    let opened = 0;
    const source = new UploadSource(() => {
      opened++;
      return Readable.from([data.subarray(0, 3000), data.subarray(3000, 3001), data.subarray(3001)]);
    }, sha(data), data.length);
    assert.deepEqual(await source.read(0, 4000), data.subarray(0, 4000));
    assert.deepEqual(await source.read(4000, 4000), data.subarray(4000, 8000));
    assert.deepEqual(await source.read(2500, 5000), data.subarray(2500, 7500), 'a resume before what was read');
    assert.deepEqual(await source.read(7500, 5000), data.subarray(7500));
    source.verify();
    source.close();
    assert.equal(opened, 2);
  });

  it('fails a source whose bytes do not match the digest, or that is short', async () => {
    const data = randomBytes(1000);
    const wrong = new UploadSource(data, sha(Buffer.from('other')), data.length);
    await wrong.read(0, 1000);
    assert.throws(() => wrong.verify(), (err: unknown) => err instanceof OkdError && err.kind === 'integrity');
    const short = new UploadSource(() => Readable.from([data.subarray(0, 500)]), sha(data), data.length);
    await assert.rejects(short.read(0, 1000), (err: unknown) => err instanceof OkdError);
    short.close();
  });

  it('runs at most the limit of tasks per key at once, the others in order', async () => {
    const limiter = new UploadLimiter(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (n: number) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      order.push(n);
      running--;
      if (n === 3) throw new Error('task 3 failed');
      return n;
    };
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => limiter.run('a', task(n))));
    assert.equal(most, 2);
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    // Other keys do not wait for this one.
    assert.equal(await limiter.run('b', async () => 'b'), 'b');
  });
});

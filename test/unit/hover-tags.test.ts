import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CancellationTokenLike } from '../../src/core/cancel';
import { OkdError } from '../../src/core/errors';
import { TagResolver } from '../../src/core/hover/tags';
import { parsePullspec, type Pullspec } from '../../src/core/pullspec';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const tag = parsePullspec('quay.io/okd/scos-release:4.19.0-okd-scos.16');

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

describe('TagResolver', () => {
  it('asks the registry once, then answers from the cache until the TTL ends', async () => {
    let now = 1000;
    const asked: string[] = [];
    const digests = [D1, D2];
    const resolver = new TagResolver({
      resolve: async (p: Pullspec) => {
        asked.push(`${p.registry}/${p.repository}:${p.tag}`);
        return digests.shift() as string;
      },
      ttlMs: 60_000,
      now: () => now,
    });
    assert.deepEqual(await resolver.resolve(tag, 1000), { state: 'resolved', digest: D1 });
    assert.deepEqual(await resolver.resolve(parsePullspec('quay.io/okd/scos-release:4.19.0-okd-scos.16@' + D2), 1000), { state: 'resolved', digest: D1 }, 'keyed on the tag');
    assert.deepEqual(resolver.cached(tag), { state: 'resolved', digest: D1 });
    assert.equal(asked.length, 1);
    now += 60_001;
    assert.equal(resolver.cached(tag), undefined);
    assert.deepEqual(await resolver.resolve(tag, 1000), { state: 'resolved', digest: D2 });
    assert.deepEqual(asked, ['quay.io/okd/scos-release:4.19.0-okd-scos.16', 'quay.io/okd/scos-release:4.19.0-okd-scos.16']);
  });

  it('bounds the wait, keeps the request going, and shares it between hovers', async () => {
    const answer = deferred<string>();
    let requests = 0;
    const resolver = new TagResolver({
      resolve: () => {
        requests++;
        return answer.promise;
      },
    });
    // The registry has not answered (and will not until answer.resolve below): the hover's 30 ms bound ends the wait.
    assert.deepEqual(await resolver.resolve(tag, 30), { state: 'pending' });
    assert.equal(requests, 1, 'the request goes on after the hover stopped waiting');
    assert.equal(resolver.cached(tag), undefined);
    const second = resolver.resolve(tag, 5000);
    answer.resolve(D1);
    assert.deepEqual(await second, { state: 'resolved', digest: D1 });
    assert.equal(requests, 1);
  });

  it('stops waiting when the hover is cancelled', async () => {
    const listeners: (() => void)[] = [];
    const token: CancellationTokenLike = {
      isCancellationRequested: false,
      onCancellationRequested: (l) => {
        listeners.push(l);
        return { dispose: () => undefined };
      },
    };
    const resolver = new TagResolver({ resolve: () => new Promise(() => undefined) });
    const waiting = resolver.resolve(tag, 60_000, token);
    for (const l of listeners) l();
    assert.deepEqual(await waiting, { state: 'pending' });
  });

  it('remembers a failure briefly, with the reason', async () => {
    let now = 0;
    let calls = 0;
    const resolver = new TagResolver({
      resolve: async () => {
        calls++;
        throw new OkdError('unauthorized', 'quay.io denied access to okd/private', 'log in with podman login');
      },
      failureTtlMs: 1000,
      now: () => now,
    });
    const first = await resolver.resolve(tag, 1000);
    assert.equal(first.state, 'failed');
    assert.match((first as { reason: string }).reason, /denied access/);
    await resolver.resolve(tag, 1000);
    assert.equal(calls, 1);
    now = 1001;
    await resolver.resolve(tag, 1000);
    assert.equal(calls, 2);
  });

  it('times a hung registry out on its own', async () => {
    const resolver = new TagResolver({
      resolve: (_p, token) => new Promise((_, reject) => token.onCancellationRequested(() => reject(new Error('aborted')))),
      requestTimeoutMs: 20,
    });
    assert.deepEqual(await resolver.resolve(tag, 2000), { state: 'failed', reason: 'the registry did not answer in time' });
  });

  it('keeps at most maxEntries answers', async () => {
    const resolver = new TagResolver({ resolve: async () => D1, maxEntries: 2 });
    for (const t of ['a', 'b', 'c']) await resolver.resolve(parsePullspec(`quay.io/x/y:${t}`), 100);
    assert.equal(resolver.cached(parsePullspec('quay.io/x/y:a')), undefined);
    assert.ok(resolver.cached(parsePullspec('quay.io/x/y:c')));
    resolver.clear();
    assert.equal(resolver.cached(parsePullspec('quay.io/x/y:c')), undefined);
  });
});

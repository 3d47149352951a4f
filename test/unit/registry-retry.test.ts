import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { VerifyingStream, formatPlatform, parsePlatform, parseRetryAfter, registryEndpoint, sha256Digest } from '../../src/core/registry';
import { backoffDelay, describeNetworkError } from '../../src/core/registry/retry';
import { nextLink } from '../../src/core/registry/tags';

describe('registry helpers', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 10:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
  });

  it('backs off exponentially with jitter, capped', () => {
    assert.equal(backoffDelay(1, 100, 10_000, () => 0), 50);
    assert.equal(backoffDelay(1, 100, 10_000, () => 1), 100);
    assert.equal(backoffDelay(4, 100, 10_000, () => 1), 800);
    assert.equal(backoffDelay(20, 100, 1000, () => 1), 1000);
  });

  it('describes network errors in words', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    assert.equal(describeNetworkError(fetchFailed), 'connection reset');
  });

  it('parses and formats platforms', () => {
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.equal(formatPlatform(parsePlatform('Linux/ARM/v7')), 'linux/arm/v7');
    for (const bad of ['linux', 'linux/', 'a/b/c/d', 'linux amd64/x', '']) {
      assert.throws(() => parsePlatform(bad), { kind: 'invalid-input', message: `"${bad}" is not a platform` });
    }
  });

  it('finds the next page in a Link header', () => {
    assert.equal(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"'), '/v2/a/tags/list?n=2&last=b');
    assert.equal(nextLink('<https://x/prev>; rel="prev", <https://x/next?a=1,2>; rel=next'), 'https://x/next?a=1,2');
    assert.equal(nextLink(null), undefined);
  });

  it('maps docker.io to its API endpoint', () => {
    assert.equal(registryEndpoint('docker.io'), 'registry-1.docker.io');
    assert.equal(registryEndpoint('quay.io'), 'quay.io');
  });

  it('VerifyingStream ends only when size and digest match', async () => {
    const data = Buffer.from('hello registry');
    const run = (digest: string, size: number) =>
      new Promise<{ ended: boolean; error?: unknown }>((resolve) => {
        const v = new VerifyingStream(digest, size, 'q/r');
        v.on('data', () => undefined);
        v.on('end', () => resolve({ ended: true }));
        v.on('error', (error) => resolve({ ended: false, error }));
        Readable.from([data.subarray(0, 5), data.subarray(5)]).pipe(v);
      });
    assert.deepEqual(await run(sha256Digest(data), data.length), { ended: true });
    const wrong = await run(sha256Digest('other'), data.length);
    assert.equal(wrong.ended, false);
    assert.ok(wrong.error instanceof OkdError && wrong.error.kind === 'integrity');
    assert.equal((wrong.error as OkdError).message, `blob ${sha256Digest('other')} from q/r does not match its digest (got ${sha256Digest(data)})`);
    assert.equal((await run(sha256Digest(data), 5)).ended, false);
    assert.equal((await run(sha256Digest(data), 100)).ended, false);
  });
});

// The release controller client against a local HTTP server answering with the shapes of
// openshift/release-controller (APIRelease {name, tags: APITag[]}, APITag {name, phase, pullSpec, downloadURL}).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CancelledError, fromAbortSignal } from '../../src/core/cancel';
import { OkdError } from '../../src/core/errors';
import { ReleaseControllerClient } from '../../src/core/releasecontroller/client';

const FIXTURES = '/work/shared/fixtures/release-controller';
const latest4Stable = readFileSync(`${FIXTURES}/latest-4-stable-4.11.15.json`, 'utf8');

const scosStableTags = {
  name: '4-scos-stable',
  tags: [
    {
      name: '4.19.0-okd-scos.16',
      phase: 'Accepted',
      pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.16',
      downloadURL: 'https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/4.19.0-okd-scos.16',
    },
    {
      name: '4.19.0-okd-scos.15',
      phase: 'Rejected',
      pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.15',
      downloadURL: 'https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/4.19.0-okd-scos.15',
    },
    { name: '4.19.0-okd-scos.9', phase: 'Accepted', pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.9', downloadURL: '' },
  ],
};

const requests: string[] = [];
let server: http.Server;
let base: string;
const hanging = new Set<http.ServerResponse>();

before(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    switch (url.pathname) {
      case '/api/v1/releasestream/4-scos-stable/tags': {
        const phase = url.searchParams.get('phase');
        const tags = phase ? scosStableTags.tags.filter((t) => t.phase === phase) : scosStableTags.tags;
        return send(200, JSON.stringify({ ...scosStableTags, tags }));
      }
      case '/api/v1/releasestream/4-stable/latest':
        return send(200, latest4Stable);
      case '/api/v1/releasestreams/accepted':
        return send(200, JSON.stringify({ '4-scos-stable': ['4.19.0-okd-scos.16', '4.19.0-okd-scos.9'], '4-scos-next': [] }));
      case '/api/v1/releasestream/broken/tags':
        return send(500, 'stream informer not synced\n', 'text/plain');
      case '/api/v1/releasestream/html/tags':
        return send(200, '<!DOCTYPE html><html>login</html>', 'text/html');
      case '/api/v1/releasestream/odd/tags':
        return send(200, JSON.stringify({ name: 'odd', tags: 'none' }));
      case '/api/v1/releasestream/slow/tags':
        hanging.add(res);
        return undefined;
      default:
        return send(404, 'page not found\n', 'text/plain');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function rejectsWith(promise: Promise<unknown>, kind: OkdError['kind'], message: RegExp): Promise<OkdError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OkdError, `expected an OkdError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, message);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('ReleaseControllerClient', () => {
  it('lists the tags of a stream newest first, as the controller orders them', async () => {
    const client = new ReleaseControllerClient(base);
    const stream = await client.streamTags('4-scos-stable');
    assert.equal(stream.name, '4-scos-stable');
    assert.deepEqual(
      stream.tags.map((t) => [t.name, t.phase]),
      [
        ['4.19.0-okd-scos.16', 'Accepted'],
        ['4.19.0-okd-scos.15', 'Rejected'],
        ['4.19.0-okd-scos.9', 'Accepted'],
      ],
    );
    assert.equal(stream.tags[0]?.pullSpec, 'quay.io/okd/scos-release:4.19.0-okd-scos.16');
    assert.match(stream.tags[0]?.downloadURL ?? '', /^https:\/\//);
    assert.equal(stream.tags[2]?.downloadURL, undefined, 'an empty downloadURL is left out');
  });

  it('asks for one phase with ?phase=', async () => {
    const stream = await new ReleaseControllerClient(`${base}/`).streamTags('4-scos-stable', { phase: 'Accepted' });
    assert.deepEqual(
      stream.tags.map((t) => t.name),
      ['4.19.0-okd-scos.16', '4.19.0-okd-scos.9'],
    );
    assert.ok(requests.includes('/api/v1/releasestream/4-scos-stable/tags?phase=Accepted'));
  });

  it('reads /latest (a real body from openshift/ci-tools tests)', async () => {
    const tag = await new ReleaseControllerClient(base).latest('4-stable');
    assert.deepEqual(tag, {
      name: '4.11.15',
      phase: 'Accepted',
      pullSpec: 'quay.io/openshift-release-dev/ocp-release:4.11.15-x86_64',
      downloadURL: 'https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/4.11.15',
    });
  });

  it('lists the accepted streams', async () => {
    const streams = await new ReleaseControllerClient(base).releaseStreams('accepted');
    assert.deepEqual(Object.keys(streams).sort(), ['4-scos-next', '4-scos-stable']);
    assert.deepEqual(streams['4-scos-stable'], ['4.19.0-okd-scos.16', '4.19.0-okd-scos.9']);
  });

  it('reports an unknown stream as not-found, naming the stream and the setting to check', async () => {
    const err = await rejectsWith(new ReleaseControllerClient(base).streamTags('4-nope'), 'not-found', /release stream "4-nope"/);
    assert.match(err.describe(), /okd\.releaseControllers/);
  });

  it('reports a server error as unreachable with its first line', async () => {
    await rejectsWith(new ReleaseControllerClient(base).streamTags('broken'), 'unreachable', /answered GET .* with 500 .*stream informer not synced/);
  });

  it('reports an answer that is not JSON, or not of the expected shape', async () => {
    await rejectsWith(new ReleaseControllerClient(base).streamTags('html'), 'failed', /not JSON: <!DOCTYPE html>/);
    await rejectsWith(new ReleaseControllerClient(base).streamTags('odd'), 'failed', /unexpected shape/);
  });

  it('reports a closed port as unreachable, naming the host and the request', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await rejectsWith(
      new ReleaseControllerClient(`http://127.0.0.1:${port}`).streamTags('4-scos-stable'),
      'unreachable',
      new RegExp(`release controller 127\\.0\\.0\\.1:${port} did not answer GET /api/v1/releasestream/4-scos-stable/tags: connection refused`),
    );
    assert.match(err.describe(), /retry/);
  });

  it('gives up after its timeout', async () => {
    // The server never answers: the rejection itself shows the client's own bound ended the wait, once, without a retry.
    const asked = requests.length;
    await rejectsWith(new ReleaseControllerClient(base, { timeoutMs: 200 }).streamTags('slow'), 'unreachable', /timed out after 0\.2 s/);
    assert.deepEqual(requests.slice(asked), ['/api/v1/releasestream/slow/tags']);
  });

  it('stops when cancelled, with a CancelledError', async () => {
    const abort = new AbortController();
    const pending = new ReleaseControllerClient(base).streamTags('slow', {}, fromAbortSignal(abort.signal));
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(pending, CancelledError);
  });

  it('rejects a URL that is not http(s)', () => {
    assert.throws(() => new ReleaseControllerClient('amd64.origin.releases.ci.openshift.org'), (err: unknown) => err instanceof OkdError && err.kind === 'invalid-input');
    assert.throws(() => new ReleaseControllerClient('ftp://example.com'), /not http or https/);
  });
});

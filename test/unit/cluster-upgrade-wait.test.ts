// `cluster upgrade` waits on the ClusterVersion through what an OKD upgrade does to the API server: it restarts
// (connection refused for a while), and the watch's resourceVersion is compacted away meanwhile (410 on resume):
// the wait reconnects, re-lists, and sees the Completed history entry it was waiting for.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ClusterVersion } from '../../src/core/cluster/types';
import { DEFAULT_UPGRADE_TIMEOUT_MS, desiredUpdateFor, type UpgradePlan, type UpgradeProgress, waitForUpgrade } from '../../src/core/cluster/upgrade';
import { OkdError } from '../../src/core/errors';
import { type FakeObject, fakeCluster, status, until } from './cluster-fake-apiserver';

const CV = '/apis/config.openshift.io/v1/clusterversions';
const OLD = 'quay.io/okd/scos-release@sha256:' + '1'.repeat(64);
const NEW = 'quay.io/me/okd-dev@sha256:' + '2'.repeat(64);

function clusterVersion(desired: string, head: { image: string; state: 'Completed' | 'Partial'; version: string }, progressing = ''): FakeObject & ClusterVersion {
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterVersion',
    metadata: { name: 'version' },
    spec: { clusterID: 'c', desiredUpdate: { image: NEW, version: '', force: true } },
    status: {
      desired: { image: desired, version: desired === NEW ? '4.20.0-okd-scos.1' : '4.19.0-okd-scos.16' },
      history: [{ ...head, startedTime: '2025-01-01T00:00:00Z' }],
      conditions: progressing ? [{ type: 'Progressing', status: 'True', message: progressing }] : [],
    },
  } as FakeObject & ClusterVersion;
}

const plan: UpgradePlan = {
  context: 'fake',
  server: 'http://127.0.0.1',
  current: { version: '4.19.0-okd-scos.16', image: OLD },
  target: { version: '4.20.0-okd-scos.1', image: NEW },
  desiredUpdate: desiredUpdateFor(NEW),
  alreadyThere: false,
  warnings: [],
};

describe('waitForUpgrade', () => {
  const cluster = fakeCluster(CV);
  afterEach(() => cluster.stop());
  const connect = () => cluster.connect();

  it('survives an API server restart and a compacted resourceVersion in the middle of the upgrade', async () => {
    const { server, client } = await connect();
    server.put(clusterVersion(OLD, { image: OLD, state: 'Completed', version: '4.19.0-okd-scos.16' }));
    const progress: UpgradeProgress[] = [];
    const wait = waitForUpgrade({ client, plan, onProgress: (p) => progress.push(p) });
    await until(() => server.streams.size === 1, 'the watch on the ClusterVersion');
    server.put(clusterVersion(NEW, { image: NEW, state: 'Partial', version: '4.20.0-okd-scos.1' }, 'Working towards 4.20.0-okd-scos.1: 412 of 845 done (48% complete)'));
    await until(() => progress.some((p) => p.message.includes('48% complete')), 'the Progressing message');

    await server.stop();
    await until(() => progress.some((p) => p.message.startsWith('reconnecting to the API server')), 'the reconnect to show');
    server.put(clusterVersion(NEW, { image: NEW, state: 'Completed', version: '4.20.0-okd-scos.1' }));
    server.expire();
    await server.restart();

    const result = await wait;
    assert.equal(result.completed?.state, 'Completed');
    assert.equal(result.completed?.image, NEW);
    assert.equal(result.version, '4.20.0-okd-scos.1');
    assert.equal(server.count('list'), 2, 'a re-list after the 410');
    assert.deepEqual(
      progress.map((p) => p.message.replace(/\(.*\)/, '(…)')),
      [
        'waiting for the cluster-version operator to take the update',
        'Working towards 4.20.0-okd-scos.1: 412 of 845 done (…)',
        'reconnecting to the API server (…); the upgrade goes on in the cluster',
        'cluster version is 4.20.0-okd-scos.1',
      ],
    );
  });

  it("ends on 403 with the server's message", async () => {
    const { server, client } = await connect();
    const text = 'clusterversions.config.openshift.io "version" is forbidden: User "developer" cannot watch resource "clusterversions" in API group "config.openshift.io" at the cluster scope';
    server.put(clusterVersion(OLD, { image: OLD, state: 'Completed', version: '4.19.0-okd-scos.16' }));
    server.answerNext('watch', 403, status(403, 'Forbidden', text));
    await assert.rejects(waitForUpgrade({ client, plan }), (err: unknown) => err instanceof OkdError && err.kind === 'forbidden' && err.message.includes(text));
  });

  it('follows an upgrade for 3 hours by default (an OKD upgrade takes 60-120 minutes)', () => {
    assert.equal(DEFAULT_UPGRADE_TIMEOUT_MS, 3 * 60 * 60 * 1000);
  });
});

// The Cluster view is not all-or-nothing: a part the user may not read (403) becomes one row saying so, the rest is
// shown; a rejected token (401) or an unreachable server is still the one error of the whole view. The 403 bodies
// are kube-apiserver's RBAC denials as test/integration/cluster-workloads.test.ts gets them for the viewer user.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterClient } from '../../src/core/cluster/client';
import { clusterError } from '../../src/core/cluster/errors';
import { ApiStatusError } from '../../src/core/cluster/request';
import { STATUS_READS, unreadablePart } from '../../src/core/cluster/status';
import { liveClusterStatus, partFailure, readLiveStatus } from '../../src/core/cluster/statusParts';
import type { ClusterVersion } from '../../src/core/cluster/types';
import { childNodes, type ClusterNode, rootNodes } from '../../src/vscode/cluster/nodes';

const where = { context: 'viewer', server: 'https://127.0.0.1:6443', user: 'viewer' };
const rbac = (resource: string, group: string) =>
  new ApiStatusError(403, {
    kind: 'Status',
    status: 'Failure',
    reason: 'Forbidden',
    code: 403,
    message: `${resource}${group ? `.${group}` : ''} is forbidden: User "system:serviceaccount:dev:okd" cannot list resource "${resource}" in API group "${group}" at the cluster scope`,
  } as { message: string });
const denied = (what: keyof typeof STATUS_READS, resource: string, group: string) => clusterError(rbac(resource, group), STATUS_READS[what], where);
const unauthorized = () => clusterError(new ApiStatusError(401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', message: 'Unauthorized', code: 401 } as { message: string }), STATUS_READS.clusterOperators, where);

const cv: ClusterVersion = {
  metadata: { name: 'version', resourceVersion: '4711' },
  spec: { overrides: [{ kind: 'Deployment', group: 'apps', namespace: 'openshift-monitoring', name: 'cluster-monitoring-operator', unmanaged: true }] },
  status: { desired: { version: '4.19.0-okd-scos.16', image: `quay.io/okd/scos-release@sha256:${'9'.repeat(64)}` }, history: [{ state: 'Completed', version: '4.19.0-okd-scos.16', image: `quay.io/okd/scos-release@sha256:${'9'.repeat(64)}` }] },
};

/** A client whose reads answer as the API server would for a user with these rights. */
function fakeClient(reads: { cv?: () => Promise<unknown>; cos?: () => Promise<unknown>; deployments?: () => Promise<unknown>; daemonSets?: () => Promise<unknown>; configMaps?: () => Promise<unknown> }): ClusterClient {
  const ok = (value: unknown) => () => Promise.resolve(value);
  return {
    ...where,
    logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    getClusterVersion: reads.cv ?? ok(cv),
    listClusterOperators: reads.cos ?? ok([]),
    listDeployments: reads.deployments ?? ok([]),
    config: { kubeConfig: { makeApiClient: () => ({ listDaemonSetForAllNamespaces: reads.daemonSets ?? ok({ items: [] }), listConfigMapForAllNamespaces: reads.configMaps ?? ok({ items: [] }) }) } },
  } as unknown as ClusterClient;
}

const labels = (nodes: ClusterNode[]) => nodes.map((n) => (n.kind === 'unreadable' ? `${n.title}: ${n.unreadable.message}` : n.kind === 'group' ? `${n.group} (${n.count}${n.unreadable ? `, ${n.unreadable} unreadable` : ''})` : n.kind));

describe('unreadablePart', () => {
  it('names the read a 403 denied and the user RBAC names', () => {
    assert.deepEqual(unreadablePart('clusterOperators', denied('clusterOperators', 'clusteroperators', 'config.openshift.io'), STATUS_READS.clusterOperators, where), {
      part: 'clusterOperators',
      resource: 'clusteroperators.config.openshift.io',
      message: 'not allowed to list clusteroperators.config.openshift.io (user system:serviceaccount:dev:okd)',
      detail: 'clusteroperators.config.openshift.io is forbidden: User "system:serviceaccount:dev:okd" cannot list resource "clusteroperators" in API group "config.openshift.io" at the cluster scope',
    });
    // A 403 without RBAC's words: the kubeconfig's user.
    const bare = clusterError(new ApiStatusError(403, {}), STATUS_READS.clusterVersion, where);
    assert.equal(unreadablePart('clusterVersion', bare, STATUS_READS.clusterVersion, where)?.message, 'not allowed to get clusterversions.config.openshift.io "version" (user viewer)');
  });

  it('is no part to leave out for a 401, an unreachable server or another error', () => {
    assert.equal(unreadablePart('clusterOperators', unauthorized(), STATUS_READS.clusterOperators, where), undefined);
    assert.equal(partFailure('clusterOperators', clusterError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }), STATUS_READS.clusterOperators, where), where).kind, 'fatal');
    // A server that does not serve daemonsets has none (not an error).
    assert.equal(partFailure('DaemonSet', clusterError(new ApiStatusError(404, { message: 'the server could not find the requested resource' }), STATUS_READS.DaemonSet, where), where).kind, 'empty');
    assert.equal(partFailure('Deployment', clusterError(new ApiStatusError(404, { message: 'the server could not find the requested resource' }), STATUS_READS.Deployment, where), where).kind, 'fatal');
  });
});

describe('readLiveStatus and the view\'s rows', () => {
  it('shows the ClusterVersion to a user who may read it, and marks ClusterOperators and patched operators they may not list', async () => {
    const client = fakeClient({
      cos: () => Promise.reject(denied('clusterOperators', 'clusteroperators', 'config.openshift.io')),
      deployments: () => Promise.reject(denied('Deployment', 'deployments', 'apps')),
      daemonSets: () => Promise.reject(rbac('daemonsets', 'apps')),
    });
    const status = liveClusterStatus(client, await readLiveStatus(client));
    assert.equal(status.release?.version, '4.19.0-okd-scos.16');
    assert.equal(status.overrides.length, 1);
    const roots = rootNodes(status);
    assert.deepEqual(labels(roots), [
      'context',
      'release',
      'history (1)',
      'overrides (1)',
      'Patched Operators: not allowed to list deployments.apps (user system:serviceaccount:dev:okd)',
      'Patched Operators: not allowed to list daemonsets.apps (user system:serviceaccount:dev:okd)',
      'Cluster Operators: not allowed to list clusteroperators.config.openshift.io (user system:serviceaccount:dev:okd)',
    ]);
    // Ids depend on what a row is, not on its text.
    assert.deepEqual(roots.filter((n) => n.kind === 'unreadable').map((n) => n.id), ['unreadable/patched/deployments.apps', 'unreadable/patched/daemonsets.apps', 'unreadable/clusterOperators/clusteroperators.config.openshift.io']);
  });

  it('keeps the patched Deployments it may list, with a row for the DaemonSets it may not', async () => {
    const patched = {
      metadata: { name: 'cluster-monitoring-operator', namespace: 'openshift-monitoring', generation: 3, annotations: { 'okd-dev.openshift.io/original-images': JSON.stringify({ operator: 'cluster-monitoring-operator', containers: { 'cluster-monitoring-operator': 'quay.io/okd/scos-content@sha256:' + '1'.repeat(64) }, env: {}, image: 'x', patchedAt: '2026-12-03T15:00:00Z' }) } },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'cluster-monitoring-operator', image: 'x' }] } } },
      status: { observedGeneration: 3, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] },
    };
    const client = fakeClient({ deployments: () => Promise.resolve([patched]), daemonSets: () => Promise.reject(rbac('daemonsets', 'apps')) });
    const status = liveClusterStatus(client, await readLiveStatus(client));
    const roots = rootNodes(status);
    assert.deepEqual(labels(roots), ['context', 'release', 'history (1)', 'overrides (1)', 'patched (1, 1 unreadable)', 'clusterOperators (0)']);
    const group = roots.find((n) => n.kind === 'group' && n.group === 'patched') as ClusterNode;
    assert.deepEqual(labels(childNodes(status, group)), ['patched', 'Patched Operators: not allowed to list daemonsets.apps (user system:serviceaccount:dev:okd)']);
  });

  it('marks the ClusterVersion in place of the release, history and overrides when it may not be read', async () => {
    const client = fakeClient({ cv: () => Promise.reject(clusterError(new ApiStatusError(403, { message: 'clusterversions.config.openshift.io "version" is forbidden: User "dev" cannot get resource "clusterversions" in API group "config.openshift.io" at the cluster scope' }), STATUS_READS.clusterVersion, where)) });
    const status = liveClusterStatus(client, await readLiveStatus(client));
    assert.equal(status.release, undefined);
    assert.deepEqual(labels(rootNodes(status)), ['context', 'ClusterVersion: not allowed to get clusterversions.config.openshift.io "version" (user dev)', 'patched (0)', 'clusterOperators (0)']);
  });

  it('fails as a whole on a 401 or an unreachable server', async () => {
    await assert.rejects(readLiveStatus(fakeClient({ cos: () => Promise.reject(unauthorized()) })), { kind: 'unauthorized' } as object);
    const refused = clusterError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }), STATUS_READS.clusterVersion, where);
    await assert.rejects(readLiveStatus(fakeClient({ cv: () => Promise.reject(refused) })), { kind: 'unreachable' } as object);
  });

  it('reads a full status when everything may be read (no unreadable part)', async () => {
    const client = fakeClient({});
    const status = liveClusterStatus(client, await readLiveStatus(client));
    assert.equal(status.unreadable, undefined);
    assert.deepEqual(labels(rootNodes(status)), ['context', 'release', 'history (1)', 'overrides (1)', 'patched (0)', 'clusterOperators (0)']);
  });
});

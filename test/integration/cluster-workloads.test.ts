// Rollouts judged against a real control plane (kube-apiserver, the real deployment, replicaset, daemonset and
// resourcequota controllers, the real scheduler; no kubelet): what the bare control plane really does to a
// Deployment no node can take, one the quota forbids, one selected by matchExpressions, and DaemonSets, with
// `kubectl rollout status` as the independent judge. Where a kubelet would write pod status, the test writes it,
// in the kubelet's shapes (a stand-in, on a Node object the test creates). The waits also survive an API server
// restart, and etcd compaction plus a restart (410 Gone, then a re-list). Then, on the test cluster with what OKD
// adds (its ClusterVersion CRD, cluster-version operator and node agent): `okd-dev cluster patch` and `restore` of
// a payload's DaemonSet, a DaemonSet pod that cannot pull, and a user who may read only the ClusterVersion.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { request } from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify as stringifyYaml } from 'yaml';
import { ClusterClient } from '../../src/core/cluster/client';
import { ORIGINAL_IMAGES_ANNOTATION, PATCHED_LABEL } from '../../src/core/cluster/record';
import { type RolloutProgress, waitForRollout } from '../../src/core/cluster/rollout';
import { liveClusterStatus, readLiveStatus } from '../../src/core/cluster/statusParts';
import { OkdError } from '../../src/core/errors';
import type { Logger } from '../../src/core/log';
import { RegistryClient } from '../../src/core/registry/client';
import { rootNodes } from '../../src/vscode/cluster/nodes';
import { kubectl } from '../support/cluster/clients';
import { eventually } from '../support/eventually';
import { pushComponentImage } from '../support/cluster/payload';
import { cliEnv, runCli } from '../support/cli';
import { type Cluster, startCluster } from '../support/cluster';
import { fixturePath } from '../support/fixtures';
import { pushTestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';

// The cluster's default controllers plus resourcequota, which computes a quota's usage (without it the quota
// admission refuses every pod with "status unknown for quota").
const CONTROLLERS = 'deployment,replicaset,daemonset,statefulset,job,garbagecollector,namespace,serviceaccount,serviceaccount-token,root-ca-cert-publisher,endpointslice,resourcequota';
/** The one Node: Ready, nothing runs its pods (the test writes their status as its kubelet would). */
const NODE = 'agentless-0';
const IMAGE = 'quay.io/okd/scos-content@sha256:' + '1'.repeat(64);

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Reply {
  code: number;
  json: any;
  text: string;
}

/** What the tests do to a cluster through its API as admin, and the judge they ask (kubectl rollout status). */
function clusterApi(cluster: Cluster) {
  const kenv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'okd-kubectl-home-')), KUBECONFIG: cluster.kubeconfigPath };

  function api(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${cluster.url}${urlPath}`,
        {
          method,
          ca: Buffer.from(cluster.caData, 'base64'),
          headers: { Authorization: `Bearer ${cluster.tokens.admin}`, Accept: 'application/json', ...(data !== undefined ? { 'Content-Type': contentType } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ code: res.statusCode ?? 0, json, text });
          });
        },
      );
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  async function create(collection: string, object: object): Promise<any> {
    const r = await api('POST', collection, object);
    assert.equal(r.code, 201, `create in ${collection}: ${r.text}`);
    return r.json;
  }

  /** A namespace with its default ServiceAccount (pods are refused until the serviceaccount controller made it). */
  async function namespace(name: string): Promise<void> {
    const r = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    assert.ok(r.code === 201 || r.code === 409, r.text);
    await eventually(async () => (await api('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).code === 200, 60_000, `the default ServiceAccount of ${name}`);
  }

  const pods = async (ns: string, selector: string): Promise<any[]> => (await api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`)).json.items;

  const writeStatus = async (pod: any, status: object) => {
    const r = await api('PATCH', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, status, 'application/merge-patch+json');
    assert.equal(r.code, 200, r.text);
  };

  /** The pods of `selector` on `node` (not being deleted), once there are `n` of them. */
  const podsOn = (node: string, ns: string, selector: string, n = 1): Promise<any[]> =>
    eventually(async () => {
      const bound = (await pods(ns, selector)).filter((p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp);
      return bound.length === n ? bound : undefined;
    }, 60_000, `${n} pod(s) of ${selector} on ${node}`) as Promise<any[]>;

  const rolloutStatus = async (ns: string, ref: string) => {
    const r = await kubectl(kenv, ['-n', ns, 'rollout', 'status', ref, '--watch=false']);
    return { code: r.code, text: (r.stdout + r.stderr).trim() };
  };

  return { kenv, api, create, namespace, pods, writeStatus, podsOn, rolloutStatus };
}

/** What a kubelet writes for a pod whose containers run and pass their probes. */
function runningStatus(pod: any): object {
  const now = new Date().toISOString();
  return {
    status: {
      phase: 'Running',
      hostIP: '10.0.0.10',
      podIP: '10.128.0.10',
      startTime: now,
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now })),
      containerStatuses: pod.spec.containers.map((c: { name: string; image: string }) => ({
        name: c.name,
        image: c.image,
        imageID: c.image,
        containerID: `cri-o://${'c'.repeat(64)}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    },
  };
}

/** A wait that records its progress, with a promise for the first progress message matching `until`. */
function watchProgress(until: RegExp) {
  const seen: string[] = [];
  let hit: (message: string) => void = () => undefined;
  const reached = new Promise<string>((resolve) => (hit = resolve));
  const onProgress = (p: RolloutProgress) => {
    seen.push(p.message);
    if (until.test(p.message)) hit(p.message);
  };
  return { seen, reached, onProgress };
}

const deployment = (ns: string, name: string, spec: Record<string, unknown>, template: Record<string, unknown> = {}, labels: Record<string, string> = { app: name }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    ...spec,
    template: { metadata: { labels }, spec: { containers: [{ name: 'operator', image: IMAGE }], ...template } },
  },
});

const daemonSet = (ns: string, name: string, template: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: ns },
  spec: {
    selector: { matchLabels: { app: name } },
    ...spec,
    template: { metadata: { labels: { app: name } }, spec: { nodeSelector: { 'okd.dev/node': NODE }, containers: [{ name: 'agent', image: IMAGE }], ...template } },
  },
});

function capturingLogger(): { logs: string[]; logger: Logger } {
  const logs: string[] = [];
  const push = (m: string) => void logs.push(m);
  return { logs, logger: { trace: () => undefined, debug: push, info: push, warn: push, error: push } };
}

describe('rollouts against a real control plane (no kubelet)', { timeout: 600_000 }, () => {
  let cluster: Cluster;
  let client: ClusterClient;
  let k: ReturnType<typeof clusterApi>;
  const { logs, logger } = capturingLogger();
  // The helpers as the tests below name them.
  const api: ReturnType<typeof clusterApi>['api'] = (...args) => k.api(...args);
  const create: ReturnType<typeof clusterApi>['create'] = (...args) => k.create(...args);
  const namespace = (name: string) => k.namespace(name);
  const pods = (ns: string, selector: string) => k.pods(ns, selector);
  const writeStatus = (pod: any, status: object) => k.writeStatus(pod, status);
  const boundPods = (ns: string, selector: string, n = 1) => k.podsOn(NODE, ns, selector, n);
  const rolloutStatus = (ns: string, ref: string) => k.rolloutStatus(ns, ref);

  before(async () => {
    cluster = await startCluster({ args: [`--controllers=${CONTROLLERS}`] });
    k = clusterApi(cluster);
    client = await ClusterClient.connect({ kubeconfig: cluster.kubeconfigPath, logger, retry: { baseMs: 100, maxMs: 1_000 } });
    // A Node as a kubelet registers it; the NodeTaint admission adds node.kubernetes.io/not-ready on create, which
    // the node lifecycle controller would lift once the node reports Ready: lifted here, as that controller does.
    await create('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE, 'kubernetes.io/os': 'linux', 'okd.dev/node': NODE } },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      },
    });
    const untainted = await api('PATCH', `/api/v1/nodes/${NODE}`, { spec: { taints: [] } }, 'application/merge-patch+json');
    assert.equal(untainted.code, 200, untainted.text);
  });

  after(() => cluster?.stop());

  it('a Deployment no node can take: the wait names the scheduler\'s message, then fails on ProgressDeadlineExceeded', async () => {
    const ns = 'unschedulable';
    await namespace(ns);
    await create(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(ns, 'web', { progressDeadlineSeconds: 2 }, { nodeSelector: { 'okd.dev/pool': 'nowhere' } }));
    const progress = watchProgress(/is Unschedulable/);
    const err = await waitForRollout(client, { namespace: ns, name: 'web', timeoutMs: 120_000, onProgress: progress.onProgress }).then(
      () => assert.fail('the rollout of a Deployment no node can take completed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OkdError, String(err));
    const [pod] = await pods(ns, 'app=web');
    const scheduled = pod.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled');
    assert.deepEqual([scheduled.status, scheduled.reason], ['False', 'Unschedulable']);
    assert.match(scheduled.message, /^0\/\d+ nodes are available: \d+ node\(s\) didn't match Pod's node affinity\/selector\./);
    assert.equal(err.message, `rollout of Deployment ${ns}/web failed: ProgressDeadlineExceeded: pod ${pod.metadata.name} is Unschedulable: ${scheduled.message}`);
    // While progressing it said so, whichever replica count the controller had written by then.
    const said = await progress.reached;
    assert.ok(said.endsWith(`pod ${pod.metadata.name} is Unschedulable: ${scheduled.message}`), said);
    const kubectlSays = await rolloutStatus(ns, 'deployment/web');
    assert.match(kubectlSays.text, /deployment "web" exceeded its progress deadline/);
  });

  it('a ResourceQuota: the ReplicaSet controller cannot create the pods, and the wait fails with ReplicaFailure and the quota\'s message', async () => {
    const ns = 'quota';
    await namespace(ns);
    await create(`/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } });
    await create(`/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'small-cpu' }, spec: { hard: { 'requests.cpu': '100m' } } });
    // The resourcequota controller computes the usage first; until then the quota admission refuses all pods.
    for (const q of ['no-pods', 'small-cpu']) {
      await eventually(async () => (await api('GET', `/api/v1/namespaces/${ns}/resourcequotas/${q}`)).json.status?.hard, 60_000, `the usage of quota ${q}`);
    }
    await create(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(ns, 'web', {}, { containers: [{ name: 'operator', image: IMAGE, resources: { requests: { cpu: '1' } } }] }));
    const err = await waitForRollout(client, { namespace: ns, name: 'web', timeoutMs: 120_000 }).then(
      () => assert.fail('the rollout completed under a quota of 0 pods'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OkdError, String(err));
    assert.match(
      err.message,
      new RegExp(`^rollout of Deployment ${ns}/web failed: ReplicaFailure \\(FailedCreate\\): pods "web-[a-z0-9]+-[a-z0-9]+" is forbidden: exceeded quota: (no-pods, requested: pods=1, used: pods=0, limited: pods=0|small-cpu, requested: requests\\.cpu=1, used: requests\\.cpu=0, limited: requests\\.cpu=100m)`),
    );
    const live = (await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`)).json;
    const failure = live.status.conditions.find((c: { type: string }) => c.type === 'ReplicaFailure');
    assert.equal(err.message, `rollout of Deployment ${ns}/web failed: ReplicaFailure (FailedCreate): ${failure.message}`);
  });

  it('pods are selected by matchExpressions (In, NotIn, Exists, DoesNotExist): pods outside the selector are never judged', async () => {
    const ns = 'expressions';
    await namespace(ns);
    const selector = {
      matchLabels: { 'app.kubernetes.io/name': 'web' },
      matchExpressions: [
        { key: 'app', operator: 'In', values: ['web', 'api'] },
        { key: 'tier', operator: 'NotIn', values: ['decoy'] },
        { key: 'okd.dev/track', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    const labels = { 'app.kubernetes.io/name': 'web', app: 'web', tier: 'front', 'okd.dev/track': 'stable' };
    // Pods that match the matchLabels but not the expressions, crash-looping as their kubelet reports: judging
    // them would fail the rollout with their CrashLoopBackOff.
    for (const [name, extra] of [['decoy-tier', { tier: 'decoy' }], ['decoy-canary', { canary: 'yes' }], ['decoy-untracked', { 'okd.dev/track': undefined }]] as const) {
      const podLabels = Object.fromEntries(Object.entries({ ...labels, ...extra }).filter(([, v]) => v !== undefined));
      const pod = await create(`/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: podLabels }, spec: { nodeName: 'gone', containers: [{ name: 'operator', image: IMAGE }] } });
      await writeStatus(pod, {
        status: {
          phase: 'Running',
          containerStatuses: [
            { name: 'operator', image: IMAGE, imageID: IMAGE, ready: false, started: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 2m40s restarting failed container=operator pod=${name}_${ns}` } }, lastState: { terminated: { exitCode: 2, reason: 'Error', startedAt: '2026-12-03T10:00:00Z', finishedAt: '2026-12-03T10:00:01Z' } } },
          ],
        },
      });
    }
    const spec = deployment(ns, 'web', { selector, progressDeadlineSeconds: 2 }, { nodeSelector: { 'okd.dev/pool': 'nowhere' } }, labels);
    await create(`/apis/apps/v1/namespaces/${ns}/deployments`, spec);
    const progress = watchProgress(/is Unschedulable/);
    const err = await waitForRollout(client, { namespace: ns, name: 'web', timeoutMs: 120_000, onProgress: progress.onProgress }).then(
      () => assert.fail('the rollout completed'),
      (e: unknown) => e,
    );
    const own = (await pods(ns, 'app=web,pod-template-hash')).map((p) => p.metadata.name);
    assert.equal(own.length, 1);
    assert.match((err as Error).message, new RegExp(`^rollout of Deployment ${ns}/web failed: ProgressDeadlineExceeded: pod ${own[0]} is Unschedulable: 0/1 nodes are available`));
    assert.ok(!progress.seen.some((m) => /decoy/.test(m)), progress.seen.join('\n'));
  });

  it('a DaemonSet the quota forbids: no condition says so, the wait names the controller\'s FailedCreate Event', async () => {
    const ns = 'ds-quota';
    await namespace(ns);
    await create(`/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } });
    await eventually(async () => (await api('GET', `/api/v1/namespaces/${ns}/resourcequotas/no-pods`)).json.status?.hard, 60_000, 'the usage of quota no-pods');
    await create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, daemonSet(ns, 'agent'));
    const err = await waitForRollout(client, { kind: 'DaemonSet', namespace: ns, name: 'agent', timeoutMs: 120_000 }).then(
      () => assert.fail('the rollout completed under a quota of 0 pods'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OkdError, String(err));
    assert.match(err.message, new RegExp(`^rollout of DaemonSet ${ns}/agent failed: FailedCreate: Error creating: pods "agent-[a-z0-9]+" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0$`));
    // The same words kubectl describe shows, from the Event the daemonset controller wrote.
    const events = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=reason%3DFailedCreate`)).json.items as { message: string }[];
    assert.ok(events.some((e) => err.message.endsWith(`FailedCreate: ${e.message}`)), JSON.stringify(events.map((e) => e.message)));
    const live = (await api('GET', `/apis/apps/v1/namespaces/${ns}/daemonsets/agent`)).json;
    assert.equal(live.status.conditions, undefined, 'a DaemonSet has no ReplicaFailure condition to read');
  });

  it('a DaemonSet\'s rollout status is kubectl\'s: no node for it, one node, an OnDelete strategy', async () => {
    const ns = 'daemons';
    await namespace(ns);
    // No node matches: the daemonset controller wants 0 pods.
    await create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, daemonSet(ns, 'nowhere', { nodeSelector: { 'okd.dev/pool': 'nowhere' } }));
    const done = await waitForRollout(client, { kind: 'DaemonSet', namespace: ns, name: 'nowhere', timeoutMs: 120_000 });
    assert.equal(done.state, 'complete');
    assert.equal(done.progress.message, 'daemon set "nowhere" successfully rolled out');
    assert.deepEqual(await rolloutStatus(ns, 'daemonset/nowhere'), { code: 0, text: done.progress.message });

    // NODE matches: one pod, bound by the scheduler, never started (no kubelet): progressing as kubectl says.
    await create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, daemonSet(ns, 'agent'));
    await boundPods(ns, 'app=agent');
    const progress = watchProgress(/updated pods are available/);
    const waiting = waitForRollout(client, { kind: 'DaemonSet', namespace: ns, name: 'agent', timeoutMs: 120_000, onProgress: progress.onProgress });
    const message = await progress.reached;
    assert.equal(message, 'Waiting for daemon set "agent" rollout to finish: 0 of 1 updated pods are available...');
    assert.deepEqual(await rolloutStatus(ns, 'daemonset/agent'), { code: 0, text: message });
    const [pod] = await boundPods(ns, 'app=agent');
    await writeStatus(pod, runningStatus(pod));
    const rolledOut = await waiting;
    assert.equal(rolledOut.progress.message, 'daemon set "agent" successfully rolled out');
    assert.deepEqual(await rolloutStatus(ns, 'daemonset/agent'), { code: 0, text: rolledOut.progress.message });

    // OnDelete: no rollout to watch.
    await create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, daemonSet(ns, 'on-delete', {}, { updateStrategy: { type: 'OnDelete' } }));
    await assert.rejects(waitForRollout(client, { kind: 'DaemonSet', namespace: ns, name: 'on-delete', timeoutMs: 120_000 }), (e: unknown) => {
      assert.ok(e instanceof OkdError);
      assert.equal(e.kind, 'unsupported');
      assert.equal(e.message, `the rollout of DaemonSet ${ns}/on-delete cannot be watched: rollout status is only available for RollingUpdate strategy type (its updateStrategy is OnDelete: a pod gets the new template only when it is deleted)`);
      return true;
    });
    const kubectlSays = await rolloutStatus(ns, 'daemonset/on-delete');
    assert.notEqual(kubectlSays.code, 0);
    assert.match(kubectlSays.text, /rollout status is only available for RollingUpdate strategy type/);
  });

  it('a DaemonSet pod whose init container crash-loops fails the wait with Init:CrashLoopBackOff and its last exit code', async () => {
    const ns = 'daemon-init';
    await namespace(ns);
    await create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, daemonSet(ns, 'agent', { initContainers: [{ name: 'setup', image: IMAGE }] }));
    const [pod] = await boundPods(ns, 'app=agent');
    const now = new Date().toISOString();
    // What the kubelet reports for an init container that exited 1 three times.
    await writeStatus(pod, {
      status: {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
          { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [setup]', lastProbeTime: null, lastTransitionTime: now },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [agent]', lastProbeTime: null, lastTransitionTime: now },
        ],
        initContainerStatuses: [
          {
            name: 'setup',
            image: IMAGE,
            imageID: IMAGE,
            ready: false,
            started: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 40s restarting failed container=setup pod=${pod.metadata.name}_${ns}(${pod.metadata.uid})` } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'open /etc/agent/config.yaml: no such file or directory\n', startedAt: now, finishedAt: now } },
          },
        ],
        containerStatuses: [{ name: 'agent', image: IMAGE, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    });
    await assert.rejects(
      waitForRollout(client, { kind: 'DaemonSet', namespace: ns, name: 'agent', timeoutMs: 120_000 }),
      new RegExp(`^OkdError: rollout of DaemonSet ${ns}/agent failed: pod ${pod.metadata.name} init container setup: Init:CrashLoopBackOff: restarted 3 times, last exit code 1 \\(Error\\): open /etc/agent/config\\.yaml: no such file or directory$`),
    );
  });

  it('the wait survives an API server restart in the middle', async () => {
    const ns = 'restart';
    await namespace(ns);
    await create(`/apis/apps/v1/namespaces/${ns}/daemonsets`, daemonSet(ns, 'agent'));
    await boundPods(ns, 'app=agent');
    const progress = watchProgress(/0 of 1 updated pods are available/);
    const waiting = waitForRollout(client, { kind: 'DaemonSet', namespace: ns, name: 'agent', timeoutMs: 180_000, onProgress: progress.onProgress });
    await progress.reached;
    await cluster.restartApiServer();
    const [pod] = await boundPods(ns, 'app=agent');
    await writeStatus(pod, runningStatus(pod));
    const done = await waiting;
    assert.equal(done.progress.message, 'daemon set "agent" successfully rolled out');
    assert.ok(logs.some((m) => /reconnect/.test(m)), 'the informers reconnected');
  });

  it('the wait survives etcd compaction and a restart: 410 Gone, then a re-list', async () => {
    const ns = 'compacted';
    await namespace(ns);
    await create(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(ns, 'web', {}, { nodeSelector: { 'okd.dev/node': NODE } }));
    await boundPods(ns, 'app=web');
    const progress = watchProgress(/0 of 1 updated replicas available/);
    const before = logs.length;
    const waiting = waitForRollout(client, { namespace: ns, name: 'web', timeoutMs: 180_000, onProgress: progress.onProgress });
    await progress.reached;
    // Writes after the wait's last event, then compaction: the resourceVersion it resumes from is gone.
    for (let i = 0; i < 3; i++) await create(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bump-${i}` }, data: { i: String(i) } });
    await cluster.compactEtcd();
    await cluster.restartApiServer();
    const [pod] = await boundPods(ns, 'app=web');
    await writeStatus(pod, runningStatus(pod));
    const done = await waiting;
    assert.equal(done.progress.message, '1/1 replicas updated and available');
    assert.ok(logs.slice(before).some((m) => /\b410\b.*; listing again$/.test(m)), `no re-list after 410 in:\n${logs.slice(before).join('\n')}`);
  });

});

describe('a payload DaemonSet on the test cluster with its cluster-version operator and node agent', { timeout: 600_000 }, () => {
  const NS = 'openshift-node-agent';
  const NAME = 'node-agent';
  const VERSION = '4.19.0-okd-scos.16';
  const CV = '/apis/config.openshift.io/v1/clusterversions/version';
  const INCLUDE = { 'include.release.openshift.io/self-managed-high-availability': 'true' };
  let registry: TestRegistry;
  let registryClient: RegistryClient;
  let cluster: Cluster;
  let k: ReturnType<typeof clusterApi>;
  let payloadImage: string;
  let devImage: string;
  let env: NodeJS.ProcessEnv;

  const cvoStatus = async (): Promise<{ syncs: number; version?: string; completed?: boolean }> => (JSON.parse(await cluster.admin('GET', '/status')) as { cvo?: { syncs: number } }).cvo ?? { syncs: 0 };
  /** After `n` more full sync passes of the CVO: a state to assert what it left alone in, instead of a sleep. */
  const cvoSyncs = async (n = 2) => {
    const from = (await cvoStatus()).syncs;
    await eventually(async () => (await cvoStatus()).syncs >= from + n, 60_000, `${n} more CVO sync passes`);
  };
  const live = async () => (await k.api('GET', `/apis/apps/v1/namespaces/${NS}/daemonsets/${NAME}`)).json;
  const overrides = async () => (await k.api('GET', CV)).json.spec.overrides ?? [];
  const runningImages = async () => (await k.podsOn('node-0', NS, `app=${NAME}`)).map((p) => [p.spec.containers[0].image, p.status.phase]);

  before(async () => {
    registry = await startRegistry();
    registryClient = new RegistryClient({ insecure: true });
    payloadImage = await pushComponentImage(registryClient, registry.host, 'okd/scos-content', `${NAME}-${VERSION}`, NAME);
    devImage = await pushComponentImage(registryClient, registry.host, `dev/${NAME}`, 'dev', `${NAME}-dev`);
    // An operand that runs on every node, as a payload ships it (the CVO applies it; the node agent runs its pods).
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: NAME, namespace: NS, annotations: INCLUDE },
      spec: {
        selector: { matchLabels: { app: NAME } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: NAME } },
          spec: { containers: [{ name: NAME, image: payloadImage, env: [{ name: 'OPERATOR_IMAGE', value: payloadImage }, { name: 'RELEASE_VERSION', value: VERSION }] }] },
        },
      },
    };
    const payload = await pushTestPayload({
      client: registryClient,
      registry: registry.host,
      repository: 'okd/scos-release',
      tag: VERSION,
      version: VERSION,
      tags: [{ name: NAME, annotations: { 'io.openshift.build.source-location': `https://github.com/openshift/${NAME}` }, from: { kind: 'DockerImage', name: payloadImage } }],
      extraFiles: {
        [`0000_50_${NAME}_00-namespace.yaml`]: stringifyYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, annotations: INCLUDE } }),
        [`0000_50_${NAME}_05-daemonset.yaml`]: stringifyYaml(manifest),
      },
      small: true,
      tinyBase: true,
    });
    cluster = await startCluster({ args: ['--crd-dir', fixturePath('clusterversion'), '--cvo-release-image', payload.digestPullSpec, '--insecure-registry', registry.host, '--nodes', '1'] });
    k = clusterApi(cluster);
    env = cliEnv({ KUBECONFIG: cluster.kubeconfigPath });
    await eventually(async () => {
      const s = await cvoStatus();
      return s.version === VERSION && s.completed === true;
    }, 120_000, `the CVO to apply ${VERSION} and the DaemonSet to roll out`);
  });

  after(async () => {
    await cluster?.stop();
    await registryClient?.close();
    await registry?.stop();
  });

  it('okd-dev cluster patch daemonset/NS/NAME: override, image and env by digest, the rollout; the CVO leaves it; restore puts the payload back', async () => {
    assert.deepEqual(await runningImages(), [[payloadImage, 'Running']]);
    const patched = await runCli(['cluster', 'patch', `daemonset/${NS}/${NAME}`, `${registry.host}/dev/${NAME}:dev`, '--insecure', '--timeout', '120'], env, 180_000);
    assert.equal(patched.code, 0, patched.stdout + patched.stderr);
    assert.match(patched.stdout, new RegExp(`^Patched daemonset/${NS}/${NAME}: DaemonSet ${NS}/${NAME} \\(release 4\\.19\\.0-okd-scos\\.16\\)$`, 'm'));
    assert.match(patched.stdout, new RegExp(`override DaemonSet\\.apps/${NS}/${NAME} unmanaged added`));
    assert.match(patched.stdout, new RegExp(`^Rollout complete: daemon set "${NAME}" successfully rolled out$`, 'm'));
    assert.deepEqual(await overrides(), [{ kind: 'DaemonSet', group: 'apps', namespace: NS, name: NAME, unmanaged: true }]);
    const ds = await live();
    assert.equal(ds.spec.template.spec.containers[0].image, devImage);
    assert.deepEqual(ds.spec.template.spec.containers[0].env, [{ name: 'OPERATOR_IMAGE', value: devImage }, { name: 'RELEASE_VERSION', value: VERSION }]);
    assert.equal(ds.metadata.labels[PATCHED_LABEL], 'true');
    const record = JSON.parse(ds.metadata.annotations[ORIGINAL_IMAGES_ANNOTATION]);
    assert.deepEqual([record.containers, record.env], [{ [NAME]: payloadImage }, { [NAME]: { OPERATOR_IMAGE: payloadImage } }]);
    assert.deepEqual(await runningImages(), [[devImage, 'Running']]);

    await cvoSyncs();
    assert.equal((await live()).spec.template.spec.containers[0].image, devImage, 'the CVO must leave an overridden DaemonSet alone');
    const upgradeable = (await k.api('GET', CV)).json.status.conditions.find((c: { type: string }) => c.type === 'Upgradeable');
    assert.deepEqual([upgradeable.status, upgradeable.reason], ['False', 'ClusterVersionOverridesSet']);
    const status = await runCli(['cluster', 'status', '-o', 'json'], env);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.deepEqual(
      s.patched.map((p: { operator: string; kind: string; images: Record<string, string>; rollout: { state: string } }) => [p.operator, p.kind, p.images[NAME], p.rollout.state]),
      [[`daemonset/${NS}/${NAME}`, 'DaemonSet', devImage, 'complete']],
    );
    assert.deepEqual(s.overrides.map((o: { kind: string; ours: boolean }) => [o.kind, o.ours]), [['DaemonSet', true]]);

    const restored = await runCli(['cluster', 'restore', `daemonset/${NS}/${NAME}`, '--insecure', '--timeout', '120'], env, 180_000);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.match(restored.stdout, new RegExp(`^Restored daemonset/${NS}/${NAME}: DaemonSet ${NS}/${NAME} \\(override removed, payload DaemonSet back, rolled out\\)$`, 'm'));
    const back = await live();
    assert.deepEqual(back.spec.template.spec.containers[0].env, [{ name: 'OPERATOR_IMAGE', value: payloadImage }, { name: 'RELEASE_VERSION', value: VERSION }]);
    assert.equal(back.metadata.annotations?.[ORIGINAL_IMAGES_ANNOTATION], undefined);
    assert.equal(back.metadata.labels?.[PATCHED_LABEL], undefined);
    assert.deepEqual(await overrides(), []);
    assert.deepEqual(await runningImages(), [[payloadImage, 'Running']]);
    // Managed again: a manual change is reverted.
    const set = await kubectl(k.kenv, ['-n', NS, 'set', 'image', `ds/${NAME}`, `${NAME}=${devImage}`]);
    assert.equal(set.code, 0, set.stderr);
    await eventually(async () => (await live()).spec.template.spec.containers[0].image === payloadImage, 60_000, 'the CVO to put the payload image back');
  });

  it('a patched DaemonSet whose pod cannot pull its image fails the rollout with the registry\'s message, and restore still puts the payload back', async () => {
    const missing = `${registry.host}/dev/${NAME}@sha256:${'0'.repeat(64)}`;
    // --no-pull-check: past the check that would stop it first, to the rollout's own failure on the node.
    const patched = await runCli(['cluster', 'patch', `${NS}/${NAME}`, missing, '--insecure', '--timeout', '120', '--no-pull-check'], env, 180_000);
    assert.equal(patched.code, 1, patched.stdout + patched.stderr);
    const quoted = missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(
      patched.stderr,
      new RegExp(
        `^error: rollout of DaemonSet ${NS}/${NAME} failed: pod ${NAME}-[a-z0-9]+ container ${NAME}: (ErrImagePull: initializing source docker://${quoted}: reading manifest|ImagePullBackOff: Back-off pulling image "${quoted}": ErrImagePull: )[^\\n]*manifest unknown\\. The patch stays in place; fix the image and patch again, or restore with \`okd-dev cluster restore ${NS}/${NAME}\`\\n$`,
      ),
    );
    const restored = await runCli(['cluster', 'restore', `${NS}/${NAME}`, '--insecure', '--timeout', '120'], env, 180_000);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.match(restored.stdout, new RegExp(`^Restored ${NS}/${NAME}: DaemonSet ${NS}/${NAME} \\(override removed, payload DaemonSet back, rolled out\\)$`, 'm'));
    assert.deepEqual(await runningImages(), [[payloadImage, 'Running']]);
  });

  it('a user who may read the ClusterVersion but not list ClusterOperators, Deployments, DaemonSets or ConfigMaps (operand patches) gets the rest, with those rows marked', async () => {
    await k.create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'clusterversion-reader' },
      rules: [{ apiGroups: ['config.openshift.io'], resources: ['clusterversions'], verbs: ['get', 'list', 'watch'] }],
    });
    await k.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'viewer-clusterversion-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'clusterversion-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }],
    });
    const viewer = await ClusterClient.connect({ kubeconfig: cluster.kubeconfigPath, context: 'viewer' });
    // RBAC's informers see the binding a moment later.
    const live = await eventually(async () => {
      const l = await readLiveStatus(viewer);
      return l.cv ? l : undefined;
    }, 30_000, 'the viewer to read the ClusterVersion');
    assert.ok(live);
    const status = liveClusterStatus(viewer, live);
    assert.equal(status.release?.version, VERSION);
    assert.deepEqual(
      status.unreadable?.map((u) => [u.part, u.message]),
      [
        ['clusterOperators', 'not allowed to list clusteroperators.config.openshift.io (user viewer)'],
        ['patched', 'not allowed to list deployments.apps (user viewer)'],
        ['patched', 'not allowed to list daemonsets.apps (user viewer)'],
        ['patched', 'not allowed to list configmaps (user viewer)'],
      ],
    );
    assert.match(status.unreadable?.[0]?.detail ?? '', /User "viewer" cannot list resource "clusteroperators" in API group "config.openshift.io" at the cluster scope/);
    const rows = rootNodes(status).map((n) => (n.kind === 'unreadable' ? `${n.title}: ${n.unreadable.message}` : n.kind === 'group' ? `group ${n.group}` : n.kind));
    assert.deepEqual(rows, [
      'context',
      'release',
      'group history',
      'group overrides',
      'Patched Operators: not allowed to list deployments.apps (user viewer)',
      'Patched Operators: not allowed to list daemonsets.apps (user viewer)',
      'Patched Operators: not allowed to list configmaps (user viewer)',
      'Cluster Operators: not allowed to list clusteroperators.config.openshift.io (user viewer)',
    ]);

    // A rejected token is not a part to leave out: the whole status fails, as one error.
    const wrong = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-kc-')), 'kubeconfig');
    fs.writeFileSync(wrong, fs.readFileSync(cluster.kubeconfigPath, 'utf8').split(cluster.tokens.viewer).join('not-a-token'));
    const rejected = await ClusterClient.connect({ kubeconfig: wrong, context: 'viewer', retry: { baseMs: 10, maxMs: 50 } });
    await assert.rejects(readLiveStatus(rejected), (e: unknown) => e instanceof OkdError && e.kind === 'unauthorized');
  });
});

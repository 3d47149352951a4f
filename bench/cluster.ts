/**
 * bench/cluster: how fast okd-dev sees a rollout finish, and how fast `okd-dev cluster status` answers, each
 * against what a user would run instead (kubectl).
 *
 *   node --import tsx bench/cluster.ts
 *
 * A local docker-registry holds a small payload and two builds of cluster-image-registry-operator; the test
 * cluster (a real kube-apiserver, deployment/replicaset controllers and scheduler, its CVO running the payload, its
 * node agent marking a started pod Ready after --ready-delay, 1 s) runs it. An independent raw HTTPS watch on the
 * namespace's pods (the cluster's CA, the admin token) stamps when a new pod of the patched image first shows
 * Ready=True. Prints progress on stderr and, as its last line, {"rolloutDetectMs", "kubectlRolloutDetectMs",
 * "rolloutDetectVsKubectl", "statusMs", "kubectlStatusMs", "statusVsKubectl"}:
 * - rolloutDetectMs: from that Ready stamp to `waitForRollout` resolving, after `patchOperator` (median of 7
 *   patches alternating the two builds);
 * - kubectlRolloutDetectMs: for the same 7 patches, a `kubectl rollout status --watch` started at the same moment
 *   as our watch: from the Ready stamp to its "successfully rolled out" line on stdout (median of 7);
 * - rolloutDetectVsKubectl: rolloutDetectMs / kubectlRolloutDetectMs (below 1: we report sooner);
 * - statusMs: `okd-dev cluster status`, whole process (median of 7, after 1 warm-up);
 * - kubectlStatusMs: `kubectl get clusterversion,clusteroperators`, whole process (median of 7, after 1 warm-up;
 *   runs interleaved with ours);
 * - statusVsKubectl: statusMs / kubectlStatusMs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { ClusterClient } from '../src/core/cluster/client';
import { patchOperator } from '../src/core/cluster/patch';
import { waitForRollout } from '../src/core/cluster/rollout';
import { apiRequest, KUBECTL, kubectlEnv, type ClusterEndpoint } from '../test/support/cluster/clients';
import { startOkdPayloadCluster, type OkdPayloadCluster } from '../test/support/cluster/okd';
import { pushComponentImage } from '../test/support/cluster/payload';
import { cliEnv, ensureBuilt, runCli, runProcess } from '../test/support/cli';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const round1 = (ms: number) => Math.round(ms * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const log = (message: string) => process.stderr.write(`${message}\n`);
const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';
const PATCHES = 7;
const STATUS_RUNS = 7;

interface WatchedPod {
  metadata: { uid: string; name: string; deletionTimestamp?: string; resourceVersion?: string };
  spec?: { containers?: { name: string; image?: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** What the pod watch waits for: the first pod not in `before`, not being deleted, running `image`, Ready=True. */
interface ReadyTarget {
  image: string;
  before: Set<string>;
  readyAt?: number;
}

/**
 * An independent list+watch of the namespace's pods over raw HTTPS (not the product's client): stamps
 * performance.now() when the target's pod first shows Ready=True. Re-watches from the last resourceVersion when the
 * server ends the stream.
 */
class PodReadyWatch {
  readonly pods = new Map<string, WatchedPod>();
  target: ReadyTarget | undefined;
  /** An ERROR event the watch got (the bench fails on it). */
  failure: string | undefined;
  private resourceVersion = '';
  private req: ClientRequest | undefined;
  private stopped = false;

  constructor(private readonly cluster: ClusterEndpoint, private readonly namespace: string) {}

  async start(): Promise<void> {
    const list = await apiRequest(this.cluster, 'GET', `/api/v1/namespaces/${this.namespace}/pods`);
    if (list.code !== 200) throw new Error(`list pods: ${list.code} ${list.text}`);
    for (const pod of list.json.items as WatchedPod[]) this.pods.set(pod.metadata.uid, pod);
    this.resourceVersion = list.json.metadata.resourceVersion as string;
    await this.watch();
  }

  /** Starts a new target: pods that exist now (an older pod of the same image, one being deleted) never count. */
  expect(image: string): ReadyTarget {
    this.target = { image, before: new Set(this.pods.keys()) };
    return this.target;
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }

  private watch(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.resourceVersion)}`;
    return new Promise((resolve, reject) => {
      const req = request(`${this.cluster.url}${path}`, { ca: Buffer.from(this.cluster.caData, 'base64'), headers: { Authorization: `Bearer ${this.cluster.tokens.admin}`, Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch pods: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        resolve();
        let buf = '';
        res.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let newline: number;
          while ((newline = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, newline);
            buf = buf.slice(newline + 1);
            if (line.trim()) this.onEvent(JSON.parse(line) as { type: string; object: WatchedPod });
          }
        });
        res.on('end', () => this.rewatch());
        res.on('error', () => this.rewatch());
      });
      req.on('error', (error) => (this.stopped ? undefined : reject(error)));
      req.end();
      this.req = req;
    });
  }

  private rewatch(): void {
    if (this.stopped) return;
    this.watch().catch((error: unknown) => log(`pod watch: could not re-watch: ${String(error)}`));
  }

  private onEvent(event: { type: string; object: WatchedPod }): void {
    const now = performance.now();
    if (event.type === 'ERROR') {
      // A 410 would mean the bench fell behind a compaction: nothing compacts here, so it is reported, not handled.
      this.failure ??= `pod watch: ${JSON.stringify(event.object)}`;
      return;
    }
    const pod = event.object;
    if (pod.metadata.resourceVersion) this.resourceVersion = pod.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'DELETED') this.pods.delete(pod.metadata.uid);
    else this.pods.set(pod.metadata.uid, pod);
    const t = this.target;
    if (!t || t.readyAt !== undefined || event.type === 'DELETED') return;
    if (t.before.has(pod.metadata.uid) || pod.metadata.deletionTimestamp) return;
    const images = (pod.spec?.containers ?? []).map((c) => c.image);
    const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready && images.includes(t.image)) t.readyAt = now;
  }
}

/** `kubectl rollout status --watch`: resolves with the moment its "successfully rolled out" line arrived. */
function kubectlRolloutStatus(env: NodeJS.ProcessEnv, children: Set<ChildProcess>): Promise<number> {
  const child = spawn(KUBECTL, ['rollout', 'status', `deploy/${NAME}`, '-n', NS, '--watch=true', '--timeout=60s'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let doneAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      const now = performance.now();
      out += chunk.toString();
      if (doneAt === undefined && /successfully rolled out/.test(out)) doneAt = now;
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0 && doneAt !== undefined) resolve(doneAt);
      else reject(new Error(`kubectl rollout status exited ${code}: ${out}${err}`));
    });
  });
}

async function main(): Promise<void> {
  ensureBuilt();
  const children = new Set<ChildProcess>();
  let pc: OkdPayloadCluster | undefined;
  let podWatch: PodReadyWatch | undefined;
  try {
    pc = await startOkdPayloadCluster();
    log(`test cluster ${pc.cluster.url} (${pc.cluster.version}) running ${pc.release.version}`);
    const builds = [
      await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'one', 'build-one'),
      await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'two', 'build-two'),
    ];
    podWatch = new PodReadyWatch(pc.cluster, NS);
    await podWatch.start();
    const client = await ClusterClient.connect({ kubeconfig: pc.cluster.kubeconfigPath });
    const kenv = kubectlEnv(pc.cluster);

    const detect: number[] = [];
    const kubectlDetect: number[] = [];
    for (let i = 0; i < PATCHES; i++) {
      const image = builds[i % 2] as string;
      const target = podWatch.expect(image);
      await patchOperator(client, { operator: NAME, image, registry: pc.client });
      // Both watchers start now, after the patch is written (so neither can see the previous rollout as this one).
      const theirs = kubectlRolloutStatus(kenv, children);
      const ours = waitForRollout(client, { namespace: NS, name: NAME, expect: { images: { [NAME]: image }, mode: 'required' }, timeoutMs: 30_000 }).then(() => performance.now());
      const [oursAt, theirsAt] = await Promise.all([ours, theirs]);
      if (podWatch.failure) throw new Error(podWatch.failure);
      const ready = target.readyAt;
      if (ready === undefined) throw new Error(`rollout ${i + 1} was reported before the pod watch saw the new pod Ready`);
      detect.push(oursAt - ready);
      kubectlDetect.push(theirsAt - ready);
      log(`rollout ${i + 1}: okd-dev ${(oursAt - ready).toFixed(1)} ms, kubectl rollout status ${(theirsAt - ready).toFixed(1)} ms after the pod was Ready`);
    }
    podWatch.stop();

    const env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    const status: number[] = [];
    const kubectlStatus: number[] = [];
    for (let i = 0; i <= STATUS_RUNS; i++) {
      // Interleaved, so drift in the machine's load hits both; the first of each warms the OS file cache (and
      // kubectl's discovery cache in its HOME, as a user's would be).
      const r = await runCli(['cluster', 'status'], env);
      if (r.code !== 0) throw new Error(`okd-dev cluster status: ${r.stderr}`);
      const k = await runProcess(KUBECTL, ['get', 'clusterversion,clusteroperators'], kenv);
      if (k.code !== 0) throw new Error(`kubectl get clusterversion,clusteroperators: ${k.stderr}`);
      if (i > 0) {
        status.push(r.ms);
        kubectlStatus.push(k.ms);
      }
      log(`cluster status ${i + 1}${i === 0 ? ' (warm-up)' : ''}: okd-dev ${r.ms.toFixed(0)} ms, kubectl ${k.ms.toFixed(0)} ms`);
    }

    const line = {
      rolloutDetectMs: round1(median(detect)),
      kubectlRolloutDetectMs: round1(median(kubectlDetect)),
      rolloutDetectVsKubectl: round2(median(detect) / median(kubectlDetect)),
      statusMs: Math.round(median(status)),
      kubectlStatusMs: Math.round(median(kubectlStatus)),
      statusVsKubectl: round2(median(status) / median(kubectlStatus)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    podWatch?.stop();
    for (const child of children) child.kill('SIGKILL');
    await pc?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/cluster failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

/**
 * bench/cluster: how fast okd-dev sees a rollout finish, and how fast `okd-dev cluster status` answers.
 *
 *   node --import tsx bench/cluster.ts
 *
 * A local docker-registry holds a small payload and two builds of cluster-image-registry-operator; the test
 * cluster's CVO runs the payload. Prints progress on stderr and, as its last line, {"rolloutDetectMs", "statusMs"}:
 * - rolloutDetectMs: from the server marking the new pod Ready (its store event) to our rollout watch reporting
 *   success, for `patchOperator` + `waitForRollout` (median of 7 patches alternating the two builds);
 * - statusMs: `okd-dev cluster status`, whole process (median of 7).
 */
import { ClusterClient } from '../src/core/cluster/client';
import { patchOperator } from '../src/core/cluster/patch';
import { waitForRollout } from '../src/core/cluster/rollout';
import { pushComponentImage, startPayloadCluster } from '../test/support/apiserver/payload-from-registry';
import type { StoreEvent } from '../test/support/apiserver/store';
import { cliEnv, ensureBuilt, runCli } from '../test/support/cli';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);
const NS = 'openshift-image-registry';
const NAME = 'cluster-image-registry-operator';

async function main(): Promise<void> {
  ensureBuilt();
  const pc = await startPayloadCluster();
  try {
    const builds = [
      await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'one', 'build-one'),
      await pushComponentImage(pc.client, pc.registry.host, 'dev/cluster-image-registry-operator', 'two', 'build-two'),
    ];
    const readyAt = new Map<string, number>();
    const unsubscribe = pc.cluster.store.subscribe((e: StoreEvent) => {
      if (e.def.plural !== 'pods' || e.object.metadata.namespace !== NS) return;
      const image: string | undefined = e.object.spec?.containers?.[0]?.image;
      const ready = (e.object.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (image && ready && !readyAt.has(image)) readyAt.set(image, performance.now());
    });
    const client = await ClusterClient.connect({ kubeconfig: pc.cluster.kubeconfigPath });
    const detect: number[] = [];
    for (let i = 0; i < 7; i++) {
      const image = builds[i % 2] as string;
      readyAt.delete(image);
      await patchOperator(client, { operator: NAME, image, registry: pc.client });
      await waitForRollout(client, { namespace: NS, name: NAME, expect: { images: { [NAME]: image }, mode: 'required' }, timeoutMs: 30_000 });
      const done = performance.now();
      const ready = readyAt.get(image);
      if (ready === undefined) throw new Error('the rollout was reported before the server marked the pod Ready');
      detect.push(done - ready);
      log(`rollout ${i + 1}: reported ${(done - ready).toFixed(1)} ms after the pod was Ready`);
    }
    unsubscribe();

    const env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    const status: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await runCli(['cluster', 'status'], env);
      if (r.code !== 0) throw new Error(`okd-dev cluster status: ${r.stderr}`);
      if (i > 0) status.push(r.ms); // the first run warms the OS file cache
      log(`cluster status ${i + 1}: ${r.ms.toFixed(0)} ms`);
    }
    const line = { rolloutDetectMs: Math.round(median(detect) * 10) / 10, statusMs: Math.round(median(status)) };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await pc.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/cluster failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

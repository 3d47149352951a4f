import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient } from '../src/core/cluster/client';
import { runDevLoop } from '../src/core/devloop';
import { ReleaseCache } from '../src/core/release/cache';
import { createSampleOperator } from '../test/support/sample-operator';
import { startDevWorld } from '../test/support/sample-operator/world';
async function main() {
  const world = await startDevWorld({ cluster: true });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-inner-'));
  const sample = createSampleOperator({ baseImage: world.baseImage, goCache: path.join(temp, 'gocache') });
  const cluster = await ClusterClient.connect({ kubeconfig: world.cluster?.kubeconfigPath as string });
  const cache = new ReleaseCache(path.join(temp, 'cache'));
  const N = Number(process.env.N ?? 8);
  const totals: number[] = [];
  for (let i = 0; i < N; i++) {
    sample.setVersion(`v0.1.${i}`);
    const t0 = performance.now();
    const ev: string[] = [];
    const r = await runDevLoop({ dir: sample.dir, client: world.client, cache, to: world.devRepository, cluster, rolloutTimeoutMs: 60000,
      settings: { buildEnv: sample.goEnv, access: { insecure: true }, builder: 'append', ...(process.env.GZ ? { gzipLevel: Number(process.env.GZ) } as object : {}) },
      onStage: (s) => ev.push(`${(performance.now() - t0).toFixed(0)} ${s.name} ${s.state} ${s.detail?.slice(0, 60) ?? ''}`),
    });
    const ms = performance.now() - t0;
    totals.push(ms);
    if (process.env.V) process.stderr.write(ev.join('\n') + '\n');
    process.stderr.write(`run ${i}: ${ms.toFixed(0)} ms ${r.stages.map((s) => `${s.name}=${s.ms?.toFixed(0)}`).join(' ')} layer=${r.layer?.size}\n`);
  }
  const s = totals.slice(1).sort((a, b) => a - b);
  process.stderr.write(`median ${s[Math.floor(s.length / 2)]?.toFixed(0)}\n`);
  sample.remove(); fs.rmSync(temp, { recursive: true, force: true }); await world.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });

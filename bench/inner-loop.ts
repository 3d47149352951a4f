/**
 * bench/inner-loop: the operator inner loop after a one-line change, fast path against the container-engine path,
 * in one run against the same registry and the test cluster (a real control plane).
 *
 *   node --import tsx bench/inner-loop.ts
 *
 * A loopback docker-registry (behind a byte-counting proxy) holds the component images and a small payload; the
 * test cluster runs that payload. The sample operator checkout (Go, std lib only) is edited by one line before each
 * measured run. Prints progress on stderr and, as its last line, {"fastVsPodman", "fastVsPodmanPrebuilt",
 * "fastVsPodmanToPatched", "uploadRatio", "overheadMs", "readyDelayMs"}; medians of 3 runs each, after a warm-up run
 * of each path (caches, base and builder images in podman's store, release cached):
 * - fastVsPodman: `okd-dev dev loop` (append) edit-to-Ready time over `okd-dev dev loop --builder podman` with the
 *   repository's Dockerfile as OKD operator repositories write it: a Go builder stage (`COPY . .`, `RUN go build`)
 *   and a runtime stage copying the binary, the builder image already in podman's store (see golang-builder.ts);
 *   then podman push, patch and rollout. This is the `podman build` an operator developer runs today.
 * - fastVsPodmanPrebuilt: the same over the favourable container path: `go build` on this machine with its warm Go
 *   cache, then `podman build` of a Dockerfile that only copies the binary onto the base (`--prebuild`);
 * - fastVsPodmanToPatched: fastVsPodmanPrebuilt up to the moment the Deployment carries the new image (edit to
 *   patched, the rollout left out): the part of the loop the tool controls. Both paths then wait the same rollout,
 *   which on the real control plane (readyDelayMs plus the controllers' turns) no builder can shorten;
 * - uploadRatio: bytes the fast path sent to the registry over the size of its new binary layer (gzip);
 * - overheadMs: the fast path's total minus its build and push stages: resolving the release, the patch and the
 *   rollout on the real test cluster, whose node agent takes readyDelayMs to mark a container Ready.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuildSettings } from '../src/core/build/settings';
import { ClusterClient } from '../src/core/cluster/client';
import { runDevLoop, type DevLoopResult, formatStageTimes } from '../src/core/devloop';
import { ReleaseCache } from '../src/core/release/cache';
import { createSampleOperator } from '../test/support/sample-operator';
import { startDevWorld } from '../test/support/sample-operator/world';
import { GOLANG_BUILDER_IMAGE, importGolangBuilder, multiStageDockerfile } from './golang-builder';

/** The test cluster's node agent marks a started container Ready after this long (its --ready-delay default). */
const READY_DELAY_MS = 1000;
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(): Promise<void> {
  const world = await startDevWorld({ cluster: true });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-inner-'));
  const sample = createSampleOperator({ baseImage: world.baseImage, goCache: path.join(temp, 'gocache') });
  try {
    const cluster = await ClusterClient.connect({ kubeconfig: world.cluster?.kubeconfigPath as string });
    const cache = new ReleaseCache(path.join(temp, 'cache'));
    let edit = 0;
    const run = async (settings: BuildSettings): Promise<{ ms: number; result: DevLoopResult; sent: number }> => {
      sample.setVersion(`v0.1.${++edit}`);
      const before = world.registry.counters.bytesFromClient;
      const started = performance.now();
      const result = await runDevLoop({
        dir: sample.dir,
        client: world.client,
        cache,
        to: world.devRepository,
        cluster,
        rolloutTimeoutMs: 60_000,
        settings: { buildEnv: sample.goEnv, access: { insecure: true }, ...settings },
      });
      const ms = performance.now() - started;
      return { ms, result, sent: world.registry.counters.bytesFromClient - before };
    };
    const fast: BuildSettings = { builder: 'append' };
    const tool = world.toolSettings('podman');
    const podman: BuildSettings = { builder: 'podman', prebuild: true, pushWith: 'tool', tool };
    fs.writeFileSync(path.join(sample.dir, 'Dockerfile.builder'), multiStageDockerfile(sample.component));
    const dockerfile: BuildSettings = {
      builder: 'podman',
      dockerfile: 'Dockerfile.builder',
      builderImage: GOLANG_BUILDER_IMAGE,
      baseImage: world.baseImage,
      pushWith: 'tool',
      tool,
    };

    log(`importing this machine's Go toolchain as ${GOLANG_BUILDER_IMAGE} into podman's store...`);
    await importGolangBuilder(tool);
    log('warm-up: one run of each path (Go cache, base image pulled into podman storage, release cached)...');
    await run(fast);
    await run(podman);
    await run(dockerfile);

    const fastMs: number[] = [];
    const overheadMs: number[] = [];
    const podmanMs: number[] = [];
    const fastToPatchedMs: number[] = [];
    const podmanToPatchedMs: number[] = [];
    const dockerfileMs: number[] = [];
    const toPatched = (r: { ms: number; result: DevLoopResult }) => r.ms - (r.result.stages.find((x) => x.name === 'rollout')?.ms ?? 0);
    let uploadRatio = 0;
    for (let i = 0; i < 3; i++) {
      const f = await run(fast);
      fastMs.push(f.ms);
      fastToPatchedMs.push(toPatched(f));
      // What the loop adds around the Go build and the push of the new layer (its manifest and config included).
      const stage = (name: string) => f.result.stages.find((x) => x.name === name)?.ms ?? 0;
      overheadMs.push(f.ms - stage('build') - stage('push'));
      uploadRatio = Math.max(uploadRatio, f.sent / (f.result.layer?.size ?? Infinity));
      log(`fast path:   ${f.ms.toFixed(0)} ms (${formatStageTimes(f.result.stages, 2)}); sent ${f.sent} bytes for a ${f.result.layer?.size}-byte layer`);
      const p = await run(podman);
      podmanMs.push(p.ms);
      podmanToPatchedMs.push(toPatched(p));
      log(`podman path, prebuilt binary: ${p.ms.toFixed(0)} ms (${formatStageTimes(p.result.stages, 2)}); sent ${p.sent} bytes`);
      const d = await run(dockerfile);
      dockerfileMs.push(d.ms);
      log(`podman path, repository Dockerfile: ${d.ms.toFixed(0)} ms (${formatStageTimes(d.result.stages, 2)}); sent ${d.sent} bytes`);
    }
    const r = median(fastMs) / median(dockerfileMs);
    const prebuilt = median(fastMs) / median(podmanMs);
    const toPatchedRatio = median(fastToPatchedMs) / median(podmanToPatchedMs);
    log(`edit to patched (rollout left out): median fast ${median(fastToPatchedMs).toFixed(0)} ms, median podman ${median(podmanToPatchedMs).toFixed(0)} ms`);
    log(`median fast ${median(fastMs).toFixed(0)} ms, median podman (repository Dockerfile) ${median(dockerfileMs).toFixed(0)} ms, median podman (prebuilt binary) ${median(podmanMs).toFixed(0)} ms`);
    log(`overhead (total - build - push): ${overheadMs.map((ms) => ms.toFixed(0)).join(', ')} ms, of which the node agent's readiness delay is ${READY_DELAY_MS} ms`);
    process.stdout.write(`${JSON.stringify({ fastVsPodman: Number(r.toFixed(3)), fastVsPodmanPrebuilt: Number(prebuilt.toFixed(3)), fastVsPodmanToPatched: Number(toPatchedRatio.toFixed(3)), uploadRatio: Number(uploadRatio.toFixed(4)), overheadMs: Math.round(median(overheadMs)), readyDelayMs: READY_DELAY_MS })}\n`);
  } finally {
    sample.remove();
    fs.rmSync(temp, { recursive: true, force: true });
    await world.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

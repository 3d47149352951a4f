/**
 * bench/release-build: two operator checkouts into one payload with `okd-dev release build`, against what a user
 * would otherwise run: `okd-dev dev loop --no-patch` for each checkout, then `okd-dev release new` naming both images.
 *
 *   node --import tsx bench/release-build.ts
 *
 * A loopback docker-registry behind a byte-counting proxy holds a small payload made of the real payload fixtures;
 * two sample operator checkouts (Go, std lib only, one Go cache, warmed by one build of each first) are edited by
 * one line before every measured run, and the runs alternate. Prints progress on stderr and, as its last line,
 * {"uploadRatio", "timeRatio", "buildMs", "separateMs"}:
 * - uploadRatio: bytes `release build` sent to the registry (bodies and headers, counted by the proxy) over the two
 *   new binary layers (median of 3);
 * - timeRatio: the `release build` process over the three processes run one after the other (medians of 3 each),
 *   both with the same warm release cache.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ReleaseBuildResult } from '../src/core/release/build';
import { cliEnv, ensureBuilt, runCli } from '../test/support/cli';
import { createSampleOperator } from '../test/support/sample-operator';
import { startDevWorld } from '../test/support/sample-operator/world';

const COMPONENTS = ['cluster-image-registry-operator', 'cluster-samples-operator'];
const RUNS = 3;
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(): Promise<void> {
  ensureBuilt();
  const world = await startDevWorld();
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-release-build-'));
  const goCache = path.join(temp, 'gocache');
  const samples = COMPONENTS.map((component) => createSampleOperator({ component, remote: `https://github.com/openshift/${component}`, baseImage: world.baseImage, goCache }));
  try {
    const env = cliEnv({ ...samples[0]?.goEnv, GOCACHE: goCache });
    const cli = async (args: string[]) => {
      const run = await runCli([...args, '--insecure', '-o', 'json'], env, 600_000);
      if (run.code !== 0) throw new Error(`okd-dev ${args.join(' ')}: ${run.stderr}`);
      return run;
    };
    let edit = 0;
    const editBoth = () => {
      edit++;
      for (const s of samples) s.setVersion(`v0.0.${edit}-bench`);
    };
    const devLoop = (dir: string) => cli(['dev', 'loop', '--no-patch', '--path', dir, '--release', world.releaseImage, '--to', world.devRepository]);

    log('warming up: one dev loop per checkout (Go cache, release cache)...');
    for (const s of samples) await devLoop(s.dir);

    const separate: number[] = [];
    const together: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      editBoth();
      let ms = 0;
      const images: string[] = [];
      for (const s of samples) {
        const run = await devLoop(s.dir);
        ms += run.ms;
        images.push((JSON.parse(run.stdout) as { image: string }).image);
      }
      const replacements = COMPONENTS.map((c, j) => `${c}=${images[j]}`);
      ms += (await cli(['release', 'new', '--from-release', world.releaseImage, ...replacements, '--to-image', `${world.registry.host}/me/okd-release:separate-${i}`])).ms;
      separate.push(ms);

      editBoth();
      const before = world.registry.counters.bytesFromClient;
      const run = await cli(['release', 'build', '--from-release', world.releaseImage, '--to-image', `${world.registry.host}/me/okd-release:build-${i}`, '--to', world.devRepository, ...samples.map((s) => s.dir)]);
      const sent = world.registry.counters.bytesFromClient - before;
      const result = JSON.parse(run.stdout) as ReleaseBuildResult;
      const layers = result.checkouts.reduce((sum, c) => sum + (c.layer?.size ?? 0), 0);
      together.push(run.ms);
      ratios.push(sent / layers);
      log(`run ${i + 1}: separate ${ms.toFixed(0)} ms, release build ${run.ms.toFixed(0)} ms; sent ${sent} bytes for two layers of ${layers}`);
    }
    const buildMs = median(together);
    const separateMs = median(separate);
    process.stdout.write(`${JSON.stringify({ uploadRatio: Number(median(ratios).toFixed(3)), timeRatio: Number((buildMs / separateMs).toFixed(3)), buildMs: Math.round(buildMs), separateMs: Math.round(separateMs) })}\n`);
  } finally {
    for (const s of samples) s.remove();
    fs.rmSync(temp, { recursive: true, force: true });
    await world.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

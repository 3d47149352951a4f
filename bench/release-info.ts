/**
 * bench/release-info: `okd-dev release info` against what a user without oc runs, in one go on this machine.
 *
 *   node --import tsx bench/release-info.ts
 *
 * A local docker-registry holds two 146-component payloads on a 104 MiB base. Prints progress on stderr and, as
 * its last line, {"coldVsSkopeo", "bytesRatio", "warmMs", "diffMs"}:
 * - coldVsSkopeo: a cold `okd-dev release info` over `skopeo copy docker://... dir:` plus extracting
 *   release-manifests/ from the top layer with tar (median of 3 each);
 * - bytesRatio: bytes the registry sent for the cold read over manifest + config + top layer;
 * - warmMs: a cached `okd-dev release info` by digest, whole process (median of 7);
 * - diffMs: `okd-dev release diff` of the two cached payloads, whole process (median of 7).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../src/core/registry/client';
import { cliEnv, ensureBuilt, runCli } from '../test/support/cli';
import { fixtureTags } from '../test/support/payload/manifests';
import { pushTestPayload } from '../test/support/payload/build';
import { startRegistry } from '../test/support/registry';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

function timed(cmd: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${result.stderr.toString()}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  ensureBuilt();
  const registry = await startRegistry({ proxy: true });
  try {
    const client = new RegistryClient({ insecure: true });
    log('pushing two payloads (146 components, 104 MiB base)...');
    const a = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-bench.1', version: '4.10.0-okd-bench.1' });
    const tags = fixtureTags().map((tag, i) => (i % 10 === 0 ? { ...tag, annotations: { ...tag.annotations, 'io.openshift.build.commit.id': `${i}`.padStart(40, 'f') } } : tag));
    const b = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-bench.2', version: '4.10.0-okd-bench.2', tags, previous: ['4.10.0-okd-bench.1'] });

    const ours: number[] = [];
    let bytesRatio = 0;
    for (let i = 0; i < 3; i++) {
      const before = registry.counters.bytesToClient;
      const result = await runCli(['release', 'info', a.pullSpec, '--insecure'], cliEnv());
      if (result.code !== 0) throw new Error(result.stderr);
      ours.push(result.ms);
      bytesRatio = (registry.counters.bytesToClient - before) / (a.sizes.manifest + a.sizes.config + a.sizes.topLayer);
    }
    log(`okd-dev release info, cold: ${ours.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const theirs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-skopeo-'));
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-extract-'));
      // skopeo talks to the registry directly: only our own reads go through the counting proxy.
      let ms = timed('skopeo', ['copy', '--src-tls-verify=false', `docker://${a.pullSpec.replace(registry.host, registry.directHost)}`, `dir:${dir}`]);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      const top = manifest.layers[manifest.layers.length - 1]?.digest.replace('sha256:', '') ?? '';
      ms += timed('tar', ['-xzf', path.join(dir, top), '-C', out, 'release-manifests']);
      theirs.push(ms);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
    log(`skopeo copy + tar -x release-manifests: ${theirs.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const env = cliEnv();
    for (const payload of [a, b]) {
      const result = await runCli(['release', 'info', payload.digestPullSpec, '--insecure'], env);
      if (result.code !== 0) throw new Error(result.stderr);
    }
    const warm: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < 7; i++) {
      warm.push((await runCli(['release', 'info', a.digestPullSpec, '--insecure'], env)).ms);
      const result = await runCli(['release', 'diff', a.digestPullSpec, b.digestPullSpec, '--insecure'], env);
      if (result.code !== 0) throw new Error(result.stderr);
      diff.push(result.ms);
    }
    log(`warm release info: ${warm.map((ms) => ms.toFixed(0)).join(', ')} ms; release diff: ${diff.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    const line = {
      coldVsSkopeo: +(median(ours) / median(theirs)).toFixed(3),
      bytesRatio: +bytesRatio.toFixed(3),
      warmMs: Math.round(median(warm)),
      diffMs: Math.round(median(diff)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await registry.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/release-info failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

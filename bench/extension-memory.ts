/**
 * bench/extension-memory: what the payload cache costs the extension host's memory, in one run on this machine.
 *
 *   node --import tsx bench/extension-memory.ts
 *
 * Twice, in the real extension host of code-server (fresh server each time): a payload cache of 1, then 20 releases
 * (the real 4.10 image-references with varied digests, as bench/extension-hover writes them, plus MANIFEST_FILES
 * manifests of about 40 KB each, real CRD text, per release); a YAML file naming a component of the oldest and of
 * the newest release; bench/extension-memory-host hovers both through the real hover provider until each names its
 * component (the first hover scans the cache), hovers 20 rounds more for the round trip, collects garbage and reads
 * the host's V8 heap. Prints progress on stderr and, as its last line,
 * {"heapDeltaMB", "heap1MB", "heap20MB", "hoverP99Ms", ...}: heapDeltaMB is heap with 20 cached releases minus heap
 * with 1 (goal <= 20 MB); hoverP99Ms the executeHoverProvider round trip with 20 releases indexed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ReleaseCache } from '../src/core/release/cache';
import { buildExtension } from '../test/e2e/support/extension';
import { runExtensionHostTests } from '../test/e2e/support/extensionHost';
import { IMAGE_REFERENCES_FIXTURE, writeBenchReleases } from './extension-hover';
import type { HostMemory } from './extension-memory-host';

const log = (message: string) => process.stderr.write(`${message}\n`);
const MANIFEST_FILES = Number(process.env.MANIFEST_FILES ?? 250);
const CRD = path.resolve(__dirname, '../../shared/fixtures/clusterversion/0000_00_cluster-version-operator_01_clusterversions-Default.crd.yaml');
const MB = 1024 * 1024;

/** `count` CRD-sized manifests named as the CVO names them, each text its own (a payload's CRDs all differ). */
function benchManifests(count: number): Record<string, string> {
  const crd = fs.readFileSync(CRD, 'utf8');
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`0000_50_operator-${i % 40}_${String(i).padStart(3, '0')}_crd.yaml`] = crd.replace(/clusterversions/g, `clusterversions${i}`);
  return out;
}

async function buildHost(): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-memory-host-'));
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'extension-memory-host.ts')],
    outfile: path.join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return path.join(outDir, 'index.js');
}

async function measure(releases: number, manifests: Record<string, string>): Promise<HostMemory> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-memory-'));
  try {
    const cacheDir = path.join(root, 'cache');
    const workspace = path.join(root, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    const cache = new ReleaseCache(cacheDir);
    const written = await writeBenchReleases(cache, releases, IMAGE_REFERENCES_FIXTURE, manifests);
    // A component of the oldest and of the newest release (the first one gets a new build in every release).
    const needles = [written[0], written[written.length - 1]].map((release) => {
      const component = release?.components[0];
      if (!release || !component) throw new Error('no bench release written');
      return { text: component.pullSpec, expect: `**${component.name}** in ${release.version}` };
    });
    const document = path.join(workspace, 'deployment.yaml');
    fs.writeFileSync(document, ['containers:', ...needles.map((n, i) => `- name: c${i}\n  image: ${n.text}`), ''].join('\n'));
    const run = await runExtensionHostTests({
      index: await buildHost(),
      workspace,
      timeoutMs: 600_000,
      settings: { 'okd.cacheDir': cacheDir, 'okd.hover.resolveTags': false, 'okd.releaseControllers': [], 'okd.releaseRepositories': [] },
      env: { OKD_BENCH_DOCUMENT: document, OKD_BENCH_NEEDLES: JSON.stringify(needles) },
    });
    if (run.results.failed > 0 || !run.results.output[0]) {
      throw new Error(`the host measurement failed:\n${run.results.failures.map((f) => f.error).join('\n')}\n${run.console.slice(-30).join('\n')}`);
    }
    return JSON.parse(run.results.output[0]) as HostMemory;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await buildExtension();
  const manifests = benchManifests(MANIFEST_FILES);
  const bytes = Object.values(manifests).reduce((n, t) => n + Buffer.byteLength(t), 0);
  log(`each cached release: 146 components, ${MANIFEST_FILES} manifests of ${(bytes / MB).toFixed(1)} MB`);
  const one = await measure(1, manifests);
  log(`1 cached release: heap ${(one.heapUsedBytes / MB).toFixed(1)} MB, found in ${one.releasesFound}, first hover found after ${one.firstHoverFoundMs} ms`);
  const twenty = await measure(20, manifests);
  log(`20 cached releases: heap ${(twenty.heapUsedBytes / MB).toFixed(1)} MB, found in ${twenty.releasesFound}, first hover found after ${twenty.firstHoverFoundMs} ms, hover p50 ${twenty.hoverP50Ms} ms p99 ${twenty.hoverP99Ms} ms`);
  process.stdout.write(
    `${JSON.stringify({
      heapDeltaMB: +((twenty.heapUsedBytes - one.heapUsedBytes) / MB).toFixed(1),
      heap1MB: +(one.heapUsedBytes / MB).toFixed(1),
      heap20MB: +(twenty.heapUsedBytes / MB).toFixed(1),
      manifestMBPerRelease: +(bytes / MB).toFixed(1),
      firstHoverFoundMs: twenty.firstHoverFoundMs,
      hoverP50Ms: twenty.hoverP50Ms,
      hoverP99Ms: twenty.hoverP99Ms,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/extension-memory failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

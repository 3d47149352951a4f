/**
 * bench/extension-hover: hover lookup from the in-memory index, as the hover provider does it on every hover.
 *
 *   node --import tsx bench/extension-hover.ts        (prints {"hoverP99Ms", ...} as its last line)
 *
 * Ten releases of 146 components are built from the real 4.10 image-references
 * (/work/shared/fixtures/payload/ocp-4.10-image-references.json) with varied digests: each component changes its
 * digest every 1 to 5 releases, as components do between real nightlies, so a digest is in 1 to 10 releases. They are
 * written to a payload cache and indexed by the real ReleaseLibrary.scanCache(). One measured hover is what
 * PullspecHoverProvider does synchronously: detect the pullspec under the cursor in a YAML line, look it up
 * (findByDigest, payload digests, loaded-by-tag match), and render the markdown. The mix: every component pullspec of
 * every release, release payloads by digest and by tag, unknown digests, and lines with no pullspec.
 * `measureHoverLookup()` is exported for bench/extension to combine.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hoverMarkdown } from '../src/core/hover/content';
import { detectPullspec } from '../src/core/hover/detect';
import { lookupPullspec } from '../src/core/hover/lookup';
import { RegistryClient } from '../src/core/registry/client';
import { CACHE_SCHEMA, ReleaseCache } from '../src/core/release/cache';
import { ReleaseLibrary } from '../src/core/release/library';
import { cachePayload } from '../test/support/payload/cache';

export const IMAGE_REFERENCES_FIXTURE = path.resolve(__dirname, '../../shared/fixtures/payload/ocp-4.10-image-references.json');

export interface HoverBenchResult {
  hoverP99Ms: number;
  hoverP50Ms: number;
  hoverMaxMs: number;
  hovers: number;
  releases: number;
  componentsPerRelease: number;
  /** Index build (scanCache of the ten cached payloads), for information. */
  scanMs: number;
}

interface ImageStream {
  metadata: { name: string };
  spec: { tags: { name: string; from: { name: string } }[] };
}

export interface BenchRelease {
  pullSpec: string;
  digest: string;
  version: string;
  components: { name: string; pullSpec: string }[];
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * Writes `count` cached payloads derived from the fixture into `cache`, each with `manifests` (name -> text) in its
 * release-manifests/ too; returns their pullspecs and digests.
 */
export async function writeBenchReleases(
  cache: ReleaseCache,
  count = 10,
  fixture = IMAGE_REFERENCES_FIXTURE,
  manifests: Record<string, string> = {},
): Promise<BenchRelease[]> {
  const original = JSON.parse(fs.readFileSync(fixture, 'utf8')) as ImageStream;
  const out: BenchRelease[] = [];
  for (let i = 0; i < count; i++) {
    const version = `4.19.0-okd-scos.${i}`;
    const stream = structuredClone(original);
    stream.metadata.name = version;
    stream.spec.tags.forEach((tag, j) => {
      // Component j gets a new build every 1 + j % 5 releases.
      const generation = Math.floor(i / (1 + (j % 5)));
      if (generation > 0) {
        const at = tag.from.name.indexOf('@');
        tag.from.name = `${tag.from.name.slice(0, at)}@${sha256(`${tag.from.name}#${generation}`)}`;
      }
    });
    const digest = sha256(`payload ${version}`);
    const pullSpec = `quay.io/okd/scos-release:${version}`;
    await cachePayload(cache, {
      schema: CACHE_SCHEMA,
      pullSpec,
      digest,
      created: new Date(Date.UTC(2025, 0, 1 + i * 7)).toISOString(),
      os: 'linux',
      architecture: 'amd64',
      labels: { 'io.openshift.release': version },
      files: {
        ...manifests,
        'image-references': JSON.stringify(stream),
        'release-metadata': JSON.stringify({ kind: 'cincinnati-metadata-v0', version, previous: [], next: [], metadata: {} }),
      },
    });
    out.push({ pullSpec, digest, version, components: stream.spec.tags.map((tag) => ({ name: tag.name, pullSpec: tag.from.name })) });
  }
  return out;
}

export async function measureHoverLookup(options: { releases?: number; rounds?: number } = {}): Promise<HoverBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-hover-'));
  try {
    const cache = new ReleaseCache(dir);
    const payloads = await writeBenchReleases(cache, options.releases ?? 10);
    const library = new ReleaseLibrary({ registry: () => new RegistryClient(), cache: () => cache });
    const scanStarted = performance.now();
    await library.scanCache();
    const scanMs = performance.now() - scanStarted;
    const releases = library.releases();
    if (releases.length !== payloads.length) throw new Error(`indexed ${releases.length} releases, expected ${payloads.length}`);

    // [line, cursor] pairs, the way hovers arrive: YAML, JSON and Dockerfile shapes.
    const hovers: [string, number][] = [];
    const shapes = [(p: string) => `        image: ${p}`, (p: string) => `          "name": "${p}"`, (p: string) => `FROM ${p} AS builder`];
    for (const release of releases) {
      release.components.forEach((component, j) => {
        const line = (shapes[j % shapes.length] as (p: string) => string)(component.pullSpec);
        hovers.push([line, line.indexOf(component.pullSpec) + Math.floor(component.pullSpec.length / 2)]);
      });
    }
    for (const { pullSpec, digest } of payloads) {
      hovers.push([`  image: quay.io/okd/scos-release@${digest}`, 20]);
      hovers.push([`oc adm upgrade --to-image=${pullSpec} --allow-explicit-upgrade`, 40]);
    }
    for (let k = 0; k < 100; k++) {
      hovers.push([`        image: quay.io/me/operator@${sha256(`unknown ${k}`)}`, 30]);
      hovers.push(['      - name: OPERATOR_IMAGE', 12]);
    }

    let hits = 0;
    const hover = ([line, at]: [string, number]): void => {
      const detected = detectPullspec(line, at);
      if (!detected) return;
      const { pullspec } = detected;
      // A tag-only pullspec with resolution off: what the provider renders without the network.
      const tag = pullspec.digest ? undefined : ({ state: 'off' } as const);
      const found = lookupPullspec(library, pullspec, pullspec.digest);
      if (found.components.length + found.payloads.length > 0) hits++;
      if (hoverMarkdown({ pullspec, text: detected.text, ...(tag ? { tag } : {}), found }).length === 0) throw new Error('empty hover');
    };
    for (const h of hovers) hover(h); // warm-up: JIT and inline caches
    hits = 0;
    const samples: number[] = [];
    const rounds = options.rounds ?? 5;
    for (let round = 0; round < rounds; round++) {
      for (const h of hovers) {
        const started = performance.now();
        hover(h);
        samples.push(performance.now() - started);
      }
    }
    const expectedHits = rounds * (releases.length * releases[0]!.components.length + 2 * payloads.length);
    if (hits !== expectedHits) throw new Error(`${hits} hovers found their release, expected ${expectedHits}`);
    samples.sort((a, b) => a - b);
    const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
    return {
      hoverP99Ms: +pick(0.99).toFixed(4),
      hoverP50Ms: +pick(0.5).toFixed(4),
      hoverMaxMs: +(samples[samples.length - 1] as number).toFixed(4),
      hovers: samples.length,
      releases: releases.length,
      componentsPerRelease: releases[0]!.components.length,
      scanMs: Math.round(scanMs),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measureHoverLookup()
    .then((result) => {
      process.stderr.write(`hover lookup: ${result.hovers} hovers over ${result.releases} releases x ${result.componentsPerRelease} components, p50 ${result.hoverP50Ms} ms, max ${result.hoverMaxMs} ms, index built in ${result.scanMs} ms\n`);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`bench/extension-hover failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
}

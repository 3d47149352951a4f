/**
 * bench/model: the in-process parts a release view runs on every payload and every hover, without a registry.
 *
 *   node --import tsx bench/model.ts
 *
 * Prints progress on stderr and, as its last line, {"buildReleaseMs", "buildReleaseVsLoadAll", "pullspecInvalidVsValid",
 * "pullspecLongVsShort", "sortTagsVsStringSort"}:
 * - buildReleaseMs: CPU time of buildRelease on the 4.10 image-references plus ~700 synthetic manifests shaped like
 *   a payload's (big CRDs, RBAC, ConfigMaps, Deployments), median of 7 after a warm-up; test/unit asserted it under
 *   50 ms before tests stopped timing things;
 * - buildReleaseVsLoadAll: that, over js-yaml loadAll of every document of every manifest (CPU, median of 7): what
 *   parsing the whole payload would cost, which buildRelease avoids by parsing only documents of the kinds it reads;
 * - pullspecInvalidVsValid: tryParsePullspec on invalid words of 240 letters (a letter run with a stray character,
 *   the case that once backtracked exponentially) over the same on valid pullspecs of the same lengths: a small
 *   constant for a linear grammar (a rejection builds an error), astronomical for the old one;
 * - pullspecLongVsShort: those invalid words of 240 letters over the same of 24, per parse: 1 to 10 for a linear
 *   grammar (fixed costs dominate), about 2^216 for the old one;
 * - sortTagsVsStringSort: sortReleaseTagsNewestFirst over Array.prototype.sort() of the same 10,000 shuffled OKD
 *   tags (median of 7): the price of ordering by version rather than by name.
 */
import { loadJsYaml } from '../src/core/lazyModules';
import { tryParsePullspec } from '../src/core/pullspec';
import { buildRelease, splitYamlDocuments } from '../src/core/release/operators';
import { sortReleaseTagsNewestFirst } from '../src/core/release/tags';
import { IMAGE_REFS_410, payload410, read, syntheticManifests } from '../test/unit/release-fixtures';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

/** CPU milliseconds (user + system) of each of `runs` calls of `fn`, after one warm-up call. */
function cpuRuns(fn: () => unknown, runs = 7): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    fn();
    const used = process.cpuUsage(before);
    out.push((used.user + used.system) / 1000);
  }
  return out;
}

/** Median wall nanoseconds per call of `fn` over `texts`, repeated until each sample is long enough to time. */
function nsPerCall(texts: string[], fn: (text: string) => unknown): number {
  const samples: number[] = [];
  for (let s = 0; s < 7; s++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 20_000_000n) {
      for (const text of texts) fn(text);
      calls += texts.length;
      elapsed = process.hrtime.bigint() - start;
    }
    samples.push(Number(elapsed) / calls);
  }
  return median(samples);
}

function main(): void {
  const input = payload410(syntheticManifests(read(IMAGE_REFS_410), 700));
  const check = buildRelease(input);
  if (check.manifests.length !== 706 || check.components.length !== 146) throw new Error(`unexpected release: ${check.manifests.length} manifests, ${check.components.length} components`);
  const build = cpuRuns(() => buildRelease(input));
  const yaml = loadJsYaml();
  const manifests = [...input.files].filter(([file]) => /\.ya?ml$/.test(file));
  const loadAll = cpuRuns(() => {
    let docs = 0;
    for (const [file, content] of manifests) for (const text of splitYamlDocuments(content)) yaml.loadAll(text, () => docs++, { filename: file, json: true });
    return docs;
  });
  const totalBytes = [...input.files.values()].reduce((n, s) => n + s.length, 0);
  log(`buildRelease, ${input.files.size} files, ${(totalBytes / 1e6).toFixed(1)} MB: CPU ${build.map((ms) => ms.toFixed(1)).join(', ')} ms; js-yaml loadAll of every manifest: ${loadAll.map((ms) => ms.toFixed(1)).join(', ')} ms`);

  const invalidOf = (n: number) => {
    const word = 'a'.repeat(n);
    return [`quay.io/${word}!`, `${word}-`, `quay.io/x/${word}_`, `quay.io/${word}..`];
  };
  const validOf = (n: number) => {
    const word = 'a'.repeat(n);
    return [`quay.io/${word}`, `${word}:latest`, `quay.io/x/${word}`, `quay.io/${word}.b`];
  };
  for (const text of invalidOf(240)) if (tryParsePullspec(text) !== undefined) throw new Error(`${text} parsed`);
  for (const text of validOf(240)) if (tryParsePullspec(text) === undefined) throw new Error(`${text} did not parse`);
  const invalidShort = nsPerCall(invalidOf(24), tryParsePullspec);
  const invalidLong = nsPerCall(invalidOf(240), tryParsePullspec);
  const validLong = nsPerCall(validOf(240), tryParsePullspec);
  log(`tryParsePullspec: invalid 24 letters ${(invalidShort / 1000).toFixed(2)} µs, invalid 240 letters ${(invalidLong / 1000).toFixed(2)} µs, valid 240 letters ${(validLong / 1000).toFixed(2)} µs`);

  const tags: string[] = [];
  for (let minor = 10; minor < 30; minor++) for (let n = 0; n < 500; n++) tags.push(`4.${minor}.0-okd-scos.${n}`);
  for (let i = tags.length - 1, seed = 1; i > 0; i--) {
    seed = (seed * 48271) % 2147483647;
    const j = seed % (i + 1);
    [tags[i], tags[j]] = [tags[j] as string, tags[i] as string];
  }
  if (sortReleaseTagsNewestFirst(tags)[0] !== '4.29.0-okd-scos.499') throw new Error('tags sorted wrong');
  const byVersion = cpuRuns(() => sortReleaseTagsNewestFirst(tags));
  const byName = cpuRuns(() => [...tags].sort());
  log(`sorting ${tags.length} tags: by version ${byVersion.map((ms) => ms.toFixed(1)).join(', ')} ms; by name ${byName.map((ms) => ms.toFixed(1)).join(', ')} ms`);

  const line = {
    buildReleaseMs: +median(build).toFixed(1),
    buildReleaseVsLoadAll: +(median(build) / median(loadAll)).toFixed(3),
    pullspecInvalidVsValid: +(invalidLong / validLong).toFixed(3),
    pullspecLongVsShort: +(invalidLong / invalidShort).toFixed(3),
    sortTagsVsStringSort: +(median(byVersion) / median(byName)).toFixed(3),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench/model failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}

/**
 * bench/release-info: `okd-dev release info` against what a user without oc runs, in one go on this machine.
 *
 *   node --import tsx bench/release-info.ts
 *
 * A local docker-registry holds two 146-component payloads on a 104 MiB base. Prints progress on stderr and, as
 * its last line, {"coldVsSkopeo", "bytesRatio", "warmMs", "diffMs", "nodeStartVsSkopeo", "floorVsSkopeo", "proxy*", "redirect*",
 * "coldVsSkopeoOverLink"}:
 * - coldVsSkopeo: a cold `okd-dev release info` over `skopeo copy docker://... dir:` plus extracting
 *   release-manifests/ from the top layer with tar (median of 5 each). Both talk to the registry directly, not
 *   through the counting proxy in this process;
 * - bytesRatio: bytes the registry sent for one more cold read, through the counting proxy, over manifest + config
 *   + top layer;
 * - warmMs: a cached `okd-dev release info` by digest, whole process (median of 7);
 * - diffMs: `okd-dev release diff` of the two cached payloads, whole process (median of 7);
 * - nodeStartVsSkopeo: `node -e 0`, whole process (median of 5), over the skopeo median;
 * - floorVsSkopeo: bench/release-info-floor.js (median of 5) over the skopeo median: a standalone script doing only
 *   the unavoidable work of a cold read with this project's stack (GET /v2/, the manifest, the config and the top
 *   layer over node:http, sha256 of the layer, gunzip, walking the tar with tar-stream and keeping
 *   release-manifests/). The last two exist because a target like coldVsSkopeo <= 0.1 is set against skopeo on
 *   loopback: they show, in the same run, how much of it any Node CLI spends on starting and on that work alone.
 * - coldVsSkopeoOverLink: the first two again (median of 3 each) through a proxy that shapes traffic like a link to
 *   a registry elsewhere (100 Mbit/s towards the client, 20 ms round trip): what a user meets, where skopeo has to
 *   fetch the 104 MiB base and okd-dev does not.
 * - proxyBytesRatio, proxyColdMs: one cold read through squid (HTTP_PROXY), bytes as bytesRatio counts them;
 * - redirectBytesRatio, redirectColdMs: one cold read through a front that redirects blobs (307) to a CDN host, as
 *   quay.io does; bytes are the front's plus the CDN's, over the same three objects.
 * - changelogFirstMs, changelogSecondMs, changelogSecondVsFirst, changelogDiffOnlyMs: `release diff --changelog` of
 *   two cached releases with 10 changed components on local repositories served by git daemon, first run (blobless
 *   clones) and second (warm clones), and `release diff` alone; see bench/release-changelog.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../src/core/registry/client';
import { cliEnv, ensureBuilt, runCli, runProcess } from '../test/support/cli';
import { fixtureTags } from '../test/support/payload/manifests';
import { pushTestPayload } from '../test/support/payload/build';
import { startSquid } from '../test/support/proxy/squid';
import { blobDataPath, startRegistry, startTcpProxy, type TestRegistry } from '../test/support/registry';
import { startRegistryFront } from '../test/support/registry/front';
import { benchChangelog } from './release-changelog';

/** A link to a registry elsewhere: 100 Mbit/s towards the client, 20 ms round trip. */
const LINK = { bytesPerSecond: 100e6 / 8, rttMs: 20 };

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

/**
 * Runs a program to success, timing the whole process. Asynchronous: the shaping proxy that skopeo talks to over the
 * emulated link runs in this process.
 */
async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; stdout: string }> {
  const result = await runProcess(cmd, args, env, 120_000);
  if (result.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result;
}

/** Runs `node ARGS` the way runCli runs the CLI (async spawn, piped output, the given env). */
const timedNode = (args: string[], env: NodeJS.ProcessEnv) => timed(process.execPath, args, env);

/** `skopeo copy docker://PULLSPEC dir:` plus `tar -x release-manifests` from its top layer: what a user without oc runs. */
async function skopeoAndTar(pullSpec: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-skopeo-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-extract-'));
  try {
    let ms = (await timed('skopeo', ['copy', '--src-tls-verify=false', `docker://${pullSpec}`, `dir:${dir}`])).ms;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    const top = manifest.layers[manifest.layers.length - 1]?.digest.replace('sha256:', '') ?? '';
    ms += (await timed('tar', ['-xzf', path.join(dir, top), '-C', out, 'release-manifests'])).ms;
    return ms;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const PROXIED_NAME = 'registry.okd-bench.test';

/**
 * One cold read through squid (a real forward proxy, the only one that resolves PROXIED_NAME), via HTTP_PROXY as
 * a user behind a corporate proxy has it; bytes counted at the registry's counting proxy behind squid.
 */
async function throughCorporateProxy(registry: TestRegistry, pullSpec: string, wanted: number): Promise<{ ms: number; bytesRatio: number }> {
  const squid = await startSquid({ names: [PROXIED_NAME] });
  try {
    const proxied = pullSpec.replace(registry.host, `${PROXIED_NAME}:${registry.host.split(':')[1]}`);
    const before = registry.counters.bytesToClient;
    const result = await runCli(['release', 'info', proxied, '--insecure'], cliEnv({ HTTP_PROXY: squid.url, HTTPS_PROXY: squid.url }));
    if (result.code !== 0) throw new Error(`through squid: ${result.stderr}`);
    const passed = squid.accessLog().filter((line) => line.includes(PROXIED_NAME)).length;
    if (passed === 0) throw new Error('squid logged no request for the registry: the read did not go through the proxy');
    const bytesRatio = (registry.counters.bytesToClient - before) / wanted;
    log(`okd-dev release info, cold through squid (${passed} requests logged): ${result.ms.toFixed(0)} ms, bytesRatio ${bytesRatio.toFixed(3)}`);
    return { ms: result.ms, bytesRatio };
  } finally {
    await squid.stop();
  }
}

/**
 * One cold read through a front that redirects blob GETs to a CDN host, as quay.io does: bytes are what the front
 * sent (counted by a TCP proxy before it) plus the blobs the CDN served.
 */
async function throughRedirectingFront(registry: TestRegistry, pullSpec: string, wanted: number): Promise<{ ms: number; bytesRatio: number }> {
  const front = await startRegistryFront(registry, { redirectBlobs: true });
  const counter = await startTcpProxy(Number(front.host.split(':')[1]));
  try {
    const result = await runCli(['release', 'info', pullSpec.replace(registry.host, `127.0.0.1:${counter.port}`), '--insecure'], cliEnv());
    if (result.code !== 0) throw new Error(`through the redirecting front: ${result.stderr}`);
    const fromCdn = front.log
      .filter((r) => r.server === 'cdn' && r.status === 200)
      .reduce((sum, r) => sum + fs.statSync(blobDataPath(registry, `sha256:${r.path.split('/').pop() ?? ''}`)).size, 0);
    if (fromCdn === 0) throw new Error('the CDN served nothing: the blobs were not redirected');
    const bytesRatio = (counter.counters.bytesToClient + fromCdn) / wanted;
    log(`okd-dev release info, cold through a front redirecting blobs to a CDN: ${result.ms.toFixed(0)} ms, bytesRatio ${bytesRatio.toFixed(3)}`);
    return { ms: result.ms, bytesRatio };
  } finally {
    await counter.stop();
    await front.stop();
  }
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

    // Bytes: one cold read (fresh cache) through the counting proxy, kept out of the timings.
    const before = registry.counters.bytesToClient;
    const counted = await runCli(['release', 'info', a.pullSpec, '--insecure'], cliEnv());
    if (counted.code !== 0) throw new Error(counted.stderr);
    const bytesRatio = (registry.counters.bytesToClient - before) / (a.sizes.manifest + a.sizes.config + a.sizes.topLayer);
    log(`okd-dev release info, cold through the counting proxy: ${counted.ms.toFixed(0)} ms, bytesRatio ${bytesRatio.toFixed(3)}`);
    const wanted = a.sizes.manifest + a.sizes.config + a.sizes.topLayer;
    const viaProxy = await throughCorporateProxy(registry, a.pullSpec, wanted);
    const viaCdn = await throughRedirectingFront(registry, a.pullSpec, wanted);

    // Timings: everything below talks to the registry directly, as skopeo does (the proxy lives in this process).
    const direct = a.pullSpec.replace(registry.host, registry.directHost);
    const runs = 5;
    const ours: number[] = [];
    for (let i = 0; i < runs; i++) {
      const result = await runCli(['release', 'info', direct, '--insecure'], cliEnv());
      if (result.code !== 0) throw new Error(result.stderr);
      ours.push(result.ms);
    }
    log(`okd-dev release info, cold: ${ours.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const plainEnv = cliEnv();
    const nodeStart: number[] = [];
    for (let i = 0; i < runs; i++) nodeStart.push((await timedNode(['-e', '0'], plainEnv)).ms);
    log(`node -e 0: ${nodeStart.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const floorScript = path.join(__dirname, 'release-info-floor.js');
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      const result = await timedNode([floorScript, direct], plainEnv);
      if (result.stdout.trim() !== `${a.files.size}`) throw new Error(`release-info-floor kept ${result.stdout.trim()} files, expected ${a.files.size}`);
      floor.push(result.ms);
    }
    log(`floor (bench/release-info-floor.js, ${a.files.size} files): ${floor.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const theirs: number[] = [];
    for (let i = 0; i < runs; i++) theirs.push(await skopeoAndTar(direct));
    log(`skopeo copy + tar -x release-manifests: ${theirs.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    // The same two over an emulated link to a remote registry (shared bandwidth, round-trip time), as users meet it.
    const shaped = await startTcpProxy(Number(registry.directHost.split(':')[1]), 0, LINK);
    const overLink = direct.replace(registry.directHost, `127.0.0.1:${shaped.port}`);
    const oursOverLink: number[] = [];
    const theirsOverLink: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const result = await runCli(['release', 'info', overLink, '--insecure'], cliEnv());
        if (result.code !== 0) throw new Error(result.stderr);
        oursOverLink.push(result.ms);
        theirsOverLink.push(await skopeoAndTar(overLink));
      }
    } finally {
      await shaped.stop();
    }
    log(`over ${LINK.bytesPerSecond * 8e-6} Mbit/s with ${LINK.rttMs} ms RTT: okd-dev ${oursOverLink.map((ms) => ms.toFixed(0)).join(', ')} ms; skopeo + tar ${theirsOverLink.map((ms) => ms.toFixed(0)).join(', ')} ms`);

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
    const changelog = await benchChangelog(registry);
    const line = {
      coldVsSkopeo: +(median(ours) / median(theirs)).toFixed(3),
      bytesRatio: +bytesRatio.toFixed(3),
      warmMs: Math.round(median(warm)),
      diffMs: Math.round(median(diff)),
      nodeStartVsSkopeo: +(median(nodeStart) / median(theirs)).toFixed(3),
      floorVsSkopeo: +(median(floor) / median(theirs)).toFixed(3),
      coldVsSkopeoOverLink: +(median(oursOverLink) / median(theirsOverLink)).toFixed(3),
      proxyBytesRatio: +viaProxy.bytesRatio.toFixed(3),
      proxyColdMs: Math.round(viaProxy.ms),
      redirectBytesRatio: +viaCdn.bytesRatio.toFixed(3),
      redirectColdMs: Math.round(viaCdn.ms),
      ...changelog,
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

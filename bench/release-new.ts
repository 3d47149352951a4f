/**
 * bench/release-new: `okd-dev release new` replacing one operator of a 146-component payload on a 104 MiB base.
 *
 *   node --import tsx bench/release-new.ts
 *
 * A local docker-registry behind a counting TCP proxy holds the source payload and the new operator image. Prints
 * progress on stderr and, as its last line, {"uploadRatio", "newMs"}:
 * - uploadRatio: bytes the client sent to the registry during the command (bodies and headers, as counted by the
 *   proxy) over what has to go up: the new release-manifests layer + config + manifest (median run);
 * - newMs: the whole CLI process, `okd-dev release new ... --to-image NEW` (median of 5, a cold cache each time).
 */
import { RegistryClient } from '../src/core/registry/client';
import { cliEnv, ensureBuilt, runCli } from '../test/support/cli';
import { pushTestPayload } from '../test/support/payload/build';
import { fixtureTags } from '../test/support/payload/manifests';
import { startRegistry } from '../test/support/registry';
import { pushComponentImages } from '../test/support/sandbox/componentImages';
import { pushLayeredImage } from '../test/integration/release-new-support';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(): Promise<void> {
  ensureBuilt();
  const registry = await startRegistry({ proxy: true });
  const client = new RegistryClient({ insecure: true });
  try {
    log('pushing the source payload (146 components, 104 MiB base) and an operator image...');
    const operator = 'cluster-image-registry-operator';
    const pushed = await pushComponentImages(fixtureTags().filter((t) => t.name === operator), { client, registry: registry.host, repository: 'okd/scos-content' });
    const tags = fixtureTags().map((t) => pushed.find((p) => p.name === t.name) ?? t);
    const source = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.10.0-okd-bench.1', version: '4.10.0-okd-bench.1', tags });
    await pushLayeredImage(client, registry.host, 'me/cluster-image-registry-operator', 'dev', [
      [{ path: `usr/bin/${operator}`, content: Buffer.from('#!/bin/sh\necho mine\n'), mode: 0o755 }],
    ], { 'io.openshift.build.commit.id': 'f'.repeat(40), 'io.openshift.build.source-location': 'https://github.com/me/cluster-image-registry-operator' });

    const ratios: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = registry.counters.bytesFromClient;
      const result = await runCli([
        'release', 'new', '--from-release', source.pullSpec, `${operator}=${registry.host}/me/cluster-image-registry-operator:dev`,
        '--to-image', `${registry.host}/okd/custom-release-${i}:bench`, '--insecure', '-o', 'json',
      ], cliEnv());
      if (result.code !== 0) throw new Error(result.stderr);
      const sent = registry.counters.bytesFromClient - before;
      const json = JSON.parse(result.stdout) as { uploadedBytes: number; mountedBlobs: number; layer: { size: number } };
      if (json.mountedBlobs !== 4) throw new Error(`expected the 4 base layers mounted, got ${json.mountedBlobs}`);
      // uploadedBytes = new layer + config + manifest (what a push of this image must send at the least).
      ratios.push(sent / json.uploadedBytes);
      times.push(result.ms);
      log(`run ${i + 1}: ${result.ms.toFixed(0)} ms, sent ${sent} bytes for ${json.uploadedBytes} (layer ${json.layer.size}), base ${source.sizes.base} mounted`);
    }
    process.stdout.write(`${JSON.stringify({ uploadRatio: Number(median(ratios).toFixed(3)), newMs: Math.round(median(times)) })}\n`);
  } finally {
    await client.close();
    await registry.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

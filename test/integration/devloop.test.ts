// The dev loop against real parts: docker-registry behind a counting proxy, git, go, buildah and podman (vfs,
// chroot), skopeo as the independent judge of every pushed image, and the test cluster rolling the image out.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuildSettings } from '../../src/core/build/settings';
import { ClusterClient } from '../../src/core/cluster/client';
import { restoreOperator } from '../../src/core/cluster/restore';
import { DevLoopError, type DevLoopResult, runDevLoop } from '../../src/core/devloop';
import { describeWorkspace } from '../../src/core/workspace';
import { readRelease } from '../../src/core/release/reader';
import { kubectl, kubectlEnv } from '../support/cluster/clients';
import { cliEnv, runCli } from '../support/cli';
import { skopeoInspect } from '../support/registry';
import { createSampleOperator, SAMPLE_COMPONENT, type SampleOperator } from '../support/sample-operator';
import { type DevWorld, startDevWorld } from '../support/sample-operator/world';

const NS = 'openshift-image-registry';
const ENTRYPOINT = `/usr/bin/${SAMPLE_COMPONENT}`;

interface Manifest {
  layers: { digest: string; size: number }[];
  config: { digest: string };
}

describe('okd-dev dev loop: build, push, patch, rollout', () => {
  let world: DevWorld;
  let sample: SampleOperator;
  let goCache: string;

  const inspect = async (pullSpec: string) => {
    const ref = pullSpec.slice(world.registry.host.length + 1);
    const raw = JSON.parse(await skopeoInspect(ref, world.registry, { raw: true })) as Manifest;
    const info = JSON.parse(await skopeoInspect(ref, world.registry)) as { Labels: Record<string, string>; Layers: string[] };
    const configText = await new Promise<string>((resolve, reject) =>
      execFile('skopeo', ['inspect', '--config', '--tls-verify=false', '--no-creds', `docker://${pullSpec}`], (err, out) => (err ? reject(err) : resolve(out))),
    );
    const config = JSON.parse(configText) as { config: { Entrypoint?: string[]; Labels?: Record<string, string> }; rootfs: { diff_ids: string[] }; history?: { empty_layer?: boolean }[] };
    return { raw, info, config };
  };
  const componentManifest = async () => (await inspect(world.images[SAMPLE_COMPONENT] as string)).raw;

  /** Checks what every dev image must be: entrypoint kept, labels from git, the component's (or base's) layers shared by digest. */
  const validate = async (result: DevLoopResult, sharedLayers: string[]) => {
    const { raw, info, config } = await inspect(result.image);
    assert.deepEqual(config.config.Entrypoint, [ENTRYPOINT], 'entrypoint kept');
    assert.equal(info.Labels['io.openshift.build.commit.id'], result.commit);
    assert.equal(info.Labels['io.openshift.build.source-location'], 'https://github.com/openshift/cluster-image-registry-operator');
    assert.deepEqual(raw.layers.slice(0, sharedLayers.length).map((l) => l.digest), sharedLayers, 'base layers shared by digest');
    assert.equal(config.rootfs.diff_ids.length, raw.layers.length);
    if (config.history) assert.equal(config.history.filter((h) => !h.empty_layer).length, raw.layers.length, 'history matches the layers');
    return { raw, info, config };
  };

  const settings = (extra: BuildSettings = {}): BuildSettings => ({ buildEnv: { ...sample.goEnv }, access: { insecure: true }, ...extra });
  const loop = (extra: BuildSettings = {}, more: Partial<Parameters<typeof runDevLoop>[0]> = {}) =>
    runDevLoop({ dir: sample.dir, client: world.client, release: world.releaseImage, to: world.devRepository, settings: settings(extra), ...more });

  before(async () => {
    world = await startDevWorld({ cluster: true });
    goCache = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-devloop-gocache-'));
    sample = createSampleOperator({ baseImage: world.baseImage, goCache });
  });

  after(async () => {
    sample?.remove();
    fs.rmSync(goCache, { recursive: true, force: true });
    await world?.stop();
  });

  it('knows which component the checkout builds and where it runs (git remote -> component -> Deployment/container/namespace)', async () => {
    const release = await readRelease(world.releaseImage, { registry: world.client });
    const ws = await describeWorkspace(sample.dir, release);
    assert.equal(ws.match.component, SAMPLE_COMPONENT);
    assert.equal(ws.match.pullSpec, world.images[SAMPLE_COMPONENT]);
    assert.deepEqual(ws.match.placements.map((p) => `${p.kind} ${p.namespace}/${p.name} ${p.container}`), [`Deployment ${NS}/${SAMPLE_COMPONENT} ${SAMPLE_COMPONENT}`]);
    assert.deepEqual(ws.dockerfiles, ['Dockerfile.okd', 'Dockerfile']);
    assert.equal(ws.git.dirty, false);

    const which = await runCli(['dev', 'which', '--path', sample.dir, '--release', world.releaseImage, '--insecure'], cliEnv());
    assert.equal(which.code, 0, which.stderr);
    assert.match(which.stdout, new RegExp(`^This workspace builds ${SAMPLE_COMPONENT}, which runs as Deployment ${NS}/${SAMPLE_COMPONENT} \\(container ${SAMPLE_COMPONENT}\\)\\.$`, 'm'));
    assert.match(which.stdout, /^Dockerfile: Dockerfile\.okd \(also Dockerfile\)$/m);
  });

  it('fast path: appends the binary to the component image; a second run after a one-line change uploads only the new layer', async () => {
    const first = await loop();
    assert.equal(first.builder, 'append');
    assert.equal(first.stages.find((s) => s.name === 'patch')?.state, 'skipped');
    const component = await componentManifest();
    const { raw } = await validate(first, component.layers.map((l) => l.digest));
    assert.equal(raw.layers.length, component.layers.length + 1);
    assert.equal(raw.layers.at(-1)?.digest, first.layer?.digest);

    sample.setVersion('v0.0.2-one-line-change');
    const before = world.registry.counters.bytesFromClient;
    const second = await loop();
    const sent = world.registry.counters.bytesFromClient - before;
    assert.ok(second.dirty);
    assert.notEqual(second.layer?.digest, first.layer?.digest);
    assert.match(second.tagPullSpec, new RegExp(`:${SAMPLE_COMPONENT}-[0-9a-f]{7}-dirty-\\d{14}$`));
    const layer = second.layer?.size as number;
    assert.ok(sent <= layer * 1.1, `sent ${sent} bytes for a ${layer}-byte layer`);
    assert.ok(sent >= layer, 'the new layer itself went up');
    await validate(second, component.layers.map((l) => l.digest));
    const configOnly = (second.uploadedBytes as number) - layer;
    assert.ok(configOnly > 0 && configOnly < 8192, `besides the layer only the config was uploaded (${configOnly} bytes)`);
  });

  for (const tool of ['buildah', 'podman'] as const) {
    for (const pushWith of ['tool', 'client'] as const) {
      it(`${tool} build (vfs, chroot) of Dockerfile.okd, pushed with ${pushWith === 'tool' ? tool : 'our registry client from its OCI output'}`, async () => {
        const result = await loop({ builder: tool, prebuild: true, pushWith, tool: world.toolSettings(tool) });
        const base = JSON.parse(await skopeoInspect(world.baseImage.slice(world.registry.host.length + 1), world.registry, { raw: true })) as Manifest;
        const component = await componentManifest();
        assert.equal(base.layers[0]?.digest, component.layers[0]?.digest, 'the base layer is the component image base layer');
        const { raw } = await validate(result, base.layers.map((l) => l.digest));
        assert.equal(raw.layers.length, base.layers.length + 1);
        if (pushWith === 'client') assert.ok((result.uploadedBytes ?? 0) < 3 * 1024 * 1024 && (result.uploadedBytes ?? 0) > 100_000, `uploaded ${result.uploadedBytes}`);
      });
    }
  }

  it('a failing build names the build stage, touches nothing, and needs no restore', async () => {
    await assert.rejects(loop({ buildCommand: ['sh', '-c', 'echo "cmd/x/main.go:3: syntax error" >&2; exit 2'] }), (err: unknown) => {
      assert.ok(err instanceof DevLoopError);
      assert.equal(err.stage, 'build');
      assert.match(err.message, /^dev loop failed in stage build: the build command failed \(exit 2\).*syntax error/);
      assert.equal(err.restore, undefined);
      assert.deepEqual(err.stages.map((s) => s.state), ['done', 'failed', 'pending', 'pending', 'pending']);
      return true;
    });
  });

  it('okd-dev dev loop rolls the new image out in the test cluster; restore puts the payload back', async () => {
    const cluster = world.cluster;
    assert.ok(cluster);
    sample.setVersion('v0.0.3-in-cluster');
    const env = cliEnv({ KUBECONFIG: cluster.kubeconfigPath });
    const run = await runCli(['dev', 'loop', '--path', sample.dir, '--to', world.devRepository, '--insecure', '-o', 'json', '--timeout', '60'], { ...env, ...sample.goEnv });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as DevLoopResult;
    assert.deepEqual(result.stages.map((s) => `${s.name}:${s.state}`), ['prepare:done', 'build:done', 'push:done', 'patch:done', 'rollout:done']);
    assert.ok(result.stages.every((s) => typeof s.ms === 'number'));
    assert.equal(result.release.pullSpec, world.releaseImage);
    assert.equal(result.patch?.namespace, NS);
    assert.equal(result.restore?.command, `okd-dev cluster restore ${SAMPLE_COMPONENT}`);
    assert.match(run.stderr, /✓ rollout [\d.]+ s/);

    const kenv = kubectlEnv(cluster);
    const deploy = JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'deploy', SAMPLE_COMPONENT, '-o', 'json'])).stdout);
    assert.equal(deploy.spec.template.spec.containers[0].image, result.image);
    assert.equal(deploy.status.updatedReplicas, deploy.spec.replicas);
    const pods = JSON.parse((await kubectl(kenv, ['-n', NS, 'get', 'pods', '-o', 'json'])).stdout) as { items: { spec: { containers: { image: string }[] }; status: { phase: string } }[] };
    assert.ok(pods.items.some((p) => p.spec.containers[0]?.image === result.image && p.status.phase === 'Running'), 'a pod runs the dev image');

    const client = await ClusterClient.connect({ kubeconfig: cluster.kubeconfigPath });
    const restored = await restoreOperator(client, SAMPLE_COMPONENT, { registry: world.client, timeoutMs: 30_000 });
    assert.equal(restored.images[SAMPLE_COMPONENT], world.images[SAMPLE_COMPONENT]);
  });
});

// okd-dev release build: two operator checkouts into one payload, through dist/cli.js, against the loopback registry
// (docker-registry behind a counting proxy) holding a payload made of the real payload fixtures. The result is read
// back with `release diff` and `release info` as a user would, and judged with skopeo and the binary's ELF header.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReleaseDiff } from '../../src/core/release/diff';
import type { ReleaseBuildResult } from '../../src/core/release/build';
import { cliEnv, cliPath, ensureBuilt, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { skopeoCopy, skopeoInspect } from '../support/registry';
import { createSampleOperator, type SampleOperator } from '../support/sample-operator';
import { pushMultiArchPayload } from '../support/sample-operator/multiArch';
import { type DevWorld, startDevWorld } from '../support/sample-operator/world';

const SAMPLES = ['cluster-image-registry-operator', 'cluster-samples-operator'] as const;
/** ELF e_machine values. */
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

describe('okd-dev release build: a payload from several checkouts', () => {
  let world: DevWorld;
  let samples: SampleOperator[];
  let goCache: string;
  let env: NodeJS.ProcessEnv;

  const cli = (args: string[], timeoutMs = 300_000) => runCli([...args, '--insecure'], env, timeoutMs);
  const build = async (to: string, dirs: string[], extra: string[] = []) => {
    const run = await cli(['release', 'build', '--from-release', world.releaseImage, '--to-image', to, ...dirs, '-o', 'json', ...extra]);
    return { run, result: run.code === 0 ? (JSON.parse(run.stdout) as ReleaseBuildResult) : undefined };
  };

  /** The file `file` of the image's top layer, by skopeo copy and tar. */
  const topLayerFile = async (image: string, file: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-release-build-image-'));
    try {
      await skopeoCopy(image.slice(world.registry.host.length + 1), world.registry, dir);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      const top = manifest.layers.at(-1)?.digest.replace(/^sha256:/, '') as string;
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      await new Promise<void>((resolve, reject) => execFile('tar', ['-xzf', path.join(dir, top), '-C', out], (err) => (err ? reject(err) : resolve())));
      return fs.readFileSync(path.join(out, file));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  before(async () => {
    world = await startDevWorld();
    goCache = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-release-build-gocache-'));
    samples = SAMPLES.map((component) => createSampleOperator({ component, remote: `https://github.com/openshift/${component}`, baseImage: world.baseImage, goCache }));
    env = cliEnv({ ...(samples[0] as SampleOperator).goEnv, GOCACHE: goCache });
  });

  after(async () => {
    for (const s of samples ?? []) s.remove();
    if (goCache) fs.rmSync(goCache, { recursive: true, force: true });
    await world?.stop();
  });

  it('builds both checkouts into one payload; release diff against the source shows exactly those two components changed', async () => {
    samples[0]?.setVersion('v0.0.2-registry-change');
    samples[1]?.setVersion('v0.0.2-samples-change');
    const to = `${world.registry.host}/me/okd-release:two-checkouts`;
    const { run, result } = await build(to, samples.map((s) => s.dir));
    assert.equal(run.code, 0, run.stderr);
    assert.ok(result);
    assert.deepEqual(result.checkouts.map((c) => c.component), [...SAMPLES]);
    assert.ok(result.checkouts.every((c) => c.builder === 'append' && c.dirty));
    // Progress per checkout on stderr, each stage as it ends.
    for (const component of SAMPLES) assert.match(run.stderr, new RegExp(`^\\[${component}\\] ✓ push [\\d.]+ s`, 'm'));
    assert.equal(result.upgradeCommand, `okd-dev cluster upgrade --to-image ${result.release.pullSpec}`);

    const diffRun = await cli(['release', 'diff', world.releaseImage, to, '-o', 'json']);
    assert.equal(diffRun.code, 0, diffRun.stderr);
    const diff = JSON.parse(diffRun.stdout) as ReleaseDiff;
    const moved = [...diff.changed, ...diff.rebuilt].map((c) => c.name).sort();
    assert.deepEqual(moved, [...SAMPLES]);
    assert.deepEqual(diff.added, []);
    assert.deepEqual(diff.removed, []);
    for (const c of [...diff.changed, ...diff.rebuilt]) {
      assert.equal(c.to, result.checkouts.find((b) => b.component === c.name)?.image, `${c.name} points at the image built from its checkout`);
      assert.equal(c.override, true);
    }

    const info = await cli(['release', 'info', to, '--commits']);
    assert.equal(info.code, 0, info.stderr);
    for (const [i, component] of SAMPLES.entries()) {
      const commit = result.checkouts[i]?.commit.slice(0, 7) as string;
      assert.match(info.stdout, new RegExp(`${component}\\s.*${commit}`), `release info lists ${component} at ${commit}`);
    }
    // The component images carry the new binary: the payload's component image plus one layer.
    const raw = JSON.parse(await skopeoInspect((result.checkouts[1]?.image as string).slice(world.registry.host.length + 1), world.registry, { raw: true })) as { layers: unknown[] };
    const old = JSON.parse(await skopeoInspect((world.images[SAMPLES[1]] as string).slice(world.registry.host.length + 1), world.registry, { raw: true })) as { layers: unknown[] };
    assert.equal(raw.layers.length, old.layers.length + 1);
    const binary = await topLayerFile(result.checkouts[1]?.image as string, `usr/bin/${SAMPLES[1]}`);
    assert.equal(binary.readUInt16LE(18), EM_X86_64);
    assert.ok(binary.includes('v0.0.2-samples-change'), 'the layer holds the edited build');
  });

  it('--arch arm64 builds from the payload\'s arm64 images and cross-compiles: the binary is an arm64 ELF', async () => {
    const multi = await pushMultiArchPayload(world.client, world.registry.host);
    const to = `${world.registry.host}/me/okd-release:arm64`;
    const run = await cli(['release', 'build', '--from-release', multi.payload.digestPullSpec, '--to-image', to, ...samples.map((s) => s.dir), '--arch', 'arm64', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ReleaseBuildResult;
    for (const c of result.checkouts) {
      const binary = await topLayerFile(c.image, `usr/bin/${c.component}`);
      assert.equal(binary.subarray(0, 4).toString('latin1'), '\x7fELF');
      assert.equal(binary.readUInt16LE(18), EM_AARCH64, `${c.component} is built for arm64`);
      const config = JSON.parse(await new Promise<string>((resolve, reject) =>
        execFile('skopeo', ['inspect', '--config', '--tls-verify=false', '--no-creds', `docker://${c.image}`], (err, out) => (err ? reject(err) : resolve(out))),
      )) as { architecture: string };
      assert.equal(config.architecture, 'arm64');
    }
    const info = await cli(['release', 'info', to, '-o', 'json']);
    assert.equal(info.code, 0, info.stderr);
    assert.equal((JSON.parse(info.stdout) as { arch?: string }).arch, 'arm64');
    const diffRun = await cli(['release', 'diff', multi.payload.digestPullSpec, to, '--filter-by-os', 'linux/arm64', '-o', 'json']);
    assert.equal(diffRun.code, 0, diffRun.stderr);
    const diff = JSON.parse(diffRun.stdout) as ReleaseDiff;
    assert.deepEqual([...diff.changed, ...diff.rebuilt].map((c) => c.name).sort(), [...SAMPLES]);
  });

  it('Ctrl-C stops every build, their processes too, exits 130 and pushes no payload', async () => {
    ensureBuilt();
    const marker = `${process.pid % 1000}.${Date.now() % 1000}`;
    /** The build commands running now, from the process list. */
    const builds = () => fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${marker}\0`;
      } catch {
        return false;
      }
    })());
    const tag = 'cancelled';
    // Its own process group, signalled as a whole as a terminal does on Ctrl-C. The builds run in groups of their
    // own, so only the CLI gets the signal: it has to stop them itself.
    const child = spawn(process.execPath, [cliPath, 'release', 'build', '--from-release', world.releaseImage, '--to-image', `${world.registry.host}/me/okd-release:${tag}`,
      ...samples.map((s) => s.dir), '--build-command', `sleep ${marker}`, '--insecure', '--verbose'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // What a user sees: both checkouts say their build command started; and both run.
      await eventually(() => {
        assert.equal(stderr.match(new RegExp(`> build: sleep ${marker.replace('.', '\\.')}`, 'g'))?.length, 2, stderr);
        assert.equal(builds().length, 2, 'both build commands run');
        return true;
      }, 120_000, 'both builds running');
      process.kill(-(child.pid as number), 'SIGINT');
      assert.equal(await exited, 130, stderr);
      assert.match(stderr, /^error: release build interrupted: every build was stopped \(2 checkouts\) and no payload was pushed$/m);
      assert.deepEqual(builds(), [], 'no build process is left');
      await assert.rejects(skopeoInspect(`me/okd-release:${tag}`, world.registry, { raw: true }), /manifest unknown|not found|unknown/i);
    } finally {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  it('a failing checkout fails the whole build with its name, and no payload is tagged', async () => {
    const broken = createSampleOperator({ component: SAMPLES[1], remote: `https://github.com/openshift/${SAMPLES[1]}`, baseImage: world.baseImage, goCache });
    try {
      fs.writeFileSync(path.join(broken.dir, 'cmd', SAMPLES[1], 'main.go'), 'package main\n\nfunc main() { this is not go }\n');
      const tag = 'must-not-exist';
      const to = `${world.registry.host}/me/okd-release:${tag}`;
      const { run } = await build(to, [(samples[0] as SampleOperator).dir, broken.dir]);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, new RegExp(`^error: release build failed: checkout ${broken.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(${SAMPLES[1]}\\) failed in stage build: `, 'm'));
      assert.match(run.stderr, /no payload was pushed/i);
      const json = JSON.parse(run.stdout) as { failedCheckout: string; component: string; failedStage: string };
      assert.deepEqual([json.failedCheckout, json.component, json.failedStage], [broken.dir, SAMPLES[1], 'build']);
      await assert.rejects(skopeoInspect(`me/okd-release:${tag}`, world.registry, { raw: true }), /manifest unknown|not found|unknown/i);
    } finally {
      broken.remove();
    }
  });

  it('a checkout without a Go main package is built from its Dockerfile with podman (the flags passed through), and goes into the payload', async () => {
    // A component whose image is a script, as gather images are: the append path has nothing to `go build`.
    const scripted = createSampleOperator({ component: SAMPLES[1], remote: `https://github.com/openshift/${SAMPLES[1]}`, baseImage: world.baseImage, goCache });
    const stores = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-release-build-podman-'));
    try {
      fs.rmSync(path.join(scripted.dir, 'cmd'), { recursive: true, force: true });
      fs.rmSync(path.join(scripted.dir, 'go.mod'));
      const script = `#!/bin/sh\necho ${SAMPLES[1]} from a script ${Date.now()}\n`;
      fs.mkdirSync(path.join(scripted.dir, 'bin'));
      fs.writeFileSync(path.join(scripted.dir, 'bin', SAMPLES[1]), script, { mode: 0o755 });
      fs.writeFileSync(path.join(scripted.dir, 'Dockerfile.okd'), `FROM ${world.baseImage}\nCOPY bin/${SAMPLES[1]} /usr/bin/${SAMPLES[1]}\nENTRYPOINT ["/usr/bin/${SAMPLES[1]}"]\n`);
      const tool = world.toolSettings('podman');
      const to = `${world.registry.host}/me/okd-release:dockerfile-fallback`;
      const { run, result } = await build(to, [(samples[0] as SampleOperator).dir, scripted.dir], [
        '--storage-driver', tool.storageDriver as string, '--isolation', tool.isolation as string,
        '--root', path.join(stores, 'root'), '--runroot', path.join(stores, 'run'),
        '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(result);
      const byComponent = new Map(result.checkouts.map((c) => [c.component, c]));
      assert.equal(byComponent.get(SAMPLES[0])?.builder, 'append');
      const fallback = byComponent.get(SAMPLES[1]);
      assert.equal(fallback?.builder, 'podman');
      assert.match(fallback?.fellBack ?? '', /no Go main package/);
      // The text output says why it took the Dockerfile.
      const text = await cli(['release', 'build', '--from-release', world.releaseImage, '--to-image', `${to}-text`, scripted.dir,
        '--storage-driver', tool.storageDriver as string, '--isolation', tool.isolation as string,
        '--root', path.join(stores, 'root'), '--runroot', path.join(stores, 'run'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`${SAMPLES[1]} .*podman \\(append path: .*no Go main package`));
      // The image holds the script at the entrypoint, and the payload changed exactly the two components.
      assert.equal((await topLayerFile(fallback?.image as string, `usr/bin/${SAMPLES[1]}`)).toString(), script);
      const diffRun = await cli(['release', 'diff', world.releaseImage, to, '-o', 'json']);
      assert.equal(diffRun.code, 0, diffRun.stderr);
      const diff = JSON.parse(diffRun.stdout) as ReleaseDiff;
      assert.deepEqual([...diff.changed, ...diff.rebuilt].map((c) => c.name).sort(), [...SAMPLES]);
    } finally {
      scripted.remove();
      fs.rmSync(stores, { recursive: true, force: true });
    }
  });
});

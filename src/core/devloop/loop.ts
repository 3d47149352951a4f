import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendImage, imageFormat, packLayer } from '../build/append';
import { buildContainerImage, pushContainerImage } from '../build/containerBuild';
import { runCommand } from '../build/runner';
import type { Builder, BuildSettings } from '../build/settings';
import { detectContainerTool } from '../build/tools';
import type { CancellationTokenLike } from '../cancel';
import type { ClusterClient } from '../cluster/client';
import { type PatchOperatorResult, patchOperator } from '../cluster/patch';
import { type RolloutState, waitForRollout } from '../cluster/rollout';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from '../release/cache';
import type { ComponentPlacement } from '../workspace/match';
import type { ManifestsDiff } from '../manifests/diff';
import {
  binaryName,
  binaryPathOf,
  buildTargetOf,
  type EarlyBuild,
  goBuildCommand,
  goBuildFor,
  goBuildRun,
  rememberBuildTarget,
  sameCommand,
  startEarlyBuild,
} from './earlyBuild';
import { podImage } from './clusterTarget';
import { applyManifestsBeforePatch, type ComparedManifests, compareManifests, type DevLoopManifests, manifestsOff } from './manifestsStage';
import { MemoReleaseCache } from './memo';
import { type Prepared, prepare } from './prepare';
import { DevLoopError, type DevLoopStage, type DevLoopStageName, DEV_LOOP_STAGES, type RestoreHint, StageTracker } from './stages';

export interface DevLoopOptions {
  /** A folder of the operator's git checkout. */
  dir: string;
  client: RegistryClient;
  cache?: ReleaseCache;
  platform?: Platform;
  /** The payload to build against; default the cluster's current one. */
  release?: string;
  /** The component, when the checkout builds several. */
  component?: string;
  /** The dev repository (`quay.io/me/okd-dev`); empty with a cluster: the cluster's own registry, when its route is exposed. */
  to: string;
  settings?: BuildSettings;
  /** Where to patch; without it (or with patch: false) the loop ends after the push. */
  cluster?: ClusterClient;
  patch?: boolean;
  /** Apply the checkout's manifests/ with the patch (default true); see manifestsStage.ts. */
  manifests?: boolean;
  /** Asked with the manifests' difference before anything is applied; false: patch the image only. */
  confirmManifests?: (d: ManifestsDiff) => Promise<boolean>;
  rolloutTimeoutMs?: number;
  /** Parent of the loop's temporary folder (default the system's). */
  tempDir?: string;
  now?: () => Date;
  token?: CancellationTokenLike;
  logger?: Logger;
  onStage?: (stage: DevLoopStage, all: DevLoopStage[]) => void;
  /** The component the checkout builds, once prepare has matched it (before prepare's stage ends). */
  onComponent?: (component: string) => void;
  /** Output of the build tools and the steps of each stage, as lines. */
  onLine?: (line: string) => void;
}

export interface DevLoopResult {
  component: string;
  placement?: ComponentPlacement;
  release: { version: string; pullSpec: string };
  builder: Builder;
  /** The pushed image by digest: what runs in the cluster. */
  image: string;
  tagPullSpec: string;
  commit: string;
  dirty: boolean;
  builtAt: string;
  /** Bytes our client uploaded (append, or pushWith client). */
  uploadedBytes?: number;
  /** The new layer (append). */
  layer?: { digest: string; size: number };
  crossRegistry?: boolean;
  patch?: Pick<PatchOperatorResult, 'image' | 'overrideAdded'> & { namespace: string; name: string; containers: string[] };
  rollout?: RolloutState;
  /** What the patch stage did with the checkout's manifests/. */
  manifests?: DevLoopManifests;
  restore?: RestoreHint;
  /** Set when the image went to the cluster's own registry: its route (pushed to) and internal hostname (pulled from). */
  clusterRegistry?: { route: string; internal: string };
  stages: DevLoopStage[];
}

/** `<component>-<commit7>[-dirty]-<yyyymmddhhmmss>`: sortable, and says what was built from what. */
/**
 * Build, push, patch, rollout: takes an edited operator checkout to a running pod. Each stage is timed and reported
 * through onStage; a failure says which stage failed and, once the cluster was touched, how to restore.
 *
 * The fast path does not wait for prepare to start compiling: `go build` of the package the checkout most likely
 * builds (the one the last loop over it built, else its only main package) starts at once, while the release, the
 * workspace and the component image are read. When prepare agrees (same folder, package, architecture) that build
 * is the build; otherwise it is stopped and the right one runs.
 */
export async function runDevLoop(options: DevLoopOptions): Promise<DevLoopResult> {
  const logger = options.logger ?? silentLogger;
  const settings = options.settings ?? {};
  const line = options.onLine ?? (() => undefined);
  const patching = options.patch !== false && options.cluster !== undefined;
  const tracker = new StageTracker(DEV_LOOP_STAGES, options.onStage);
  // Prepare and patch read the same release: the second read (and the next loop's) comes from memory.
  const cache = new MemoReleaseCache(options.cache);
  const temp = await fs.mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'okd-dev-loop-'));
  let restore: RestoreHint | undefined;
  let early: EarlyBuild | undefined;
  let matched: string | undefined;
  let comparingManifests: Promise<ComparedManifests | undefined> | undefined;
  const fail = (err: unknown): never => {
    const stage: DevLoopStageName = tracker.running ?? 'prepare';
    tracker.fail(err instanceof Error ? err.message : String(err));
    throw new DevLoopError(stage, tracker.stages, err, restore, matched);
  };
  try {
    const builder: Builder = settings.builder === undefined ? 'append' : settings.builder === 'auto' ? detectContainerTool('auto') : settings.builder;
    tracker.start('prepare', 'reading the release and the workspace');
    // The binary's name in the image comes from the component's entrypoint; on disk any name does.
    const output = path.join(temp, 'build', 'operator');
    if (builder === 'append') {
      await fs.mkdir(path.dirname(output));
      early = startEarlyBuild(options, output, tracker, line, logger);
      // go first, then the git calls (once go is running, their spawns no longer delay it).
      await early?.command;
    }
    const prepared = await prepare(options, cache, tracker).catch(async (err: unknown) => {
      await early?.stop('prepare failed');
      return fail(err);
    });
    const { workspace, component, to, tag, labels } = prepared;
    matched = workspace.match.component;
    options.onComponent?.(matched);
    const toCluster = prepared.clusterRegistry ? `; no dev repository set: pushing to the cluster's own registry ${to.registry}/${to.repository}` : '';
    tracker.done(`${workspace.match.component} from ${workspace.git.root} at ${workspace.git.commit.slice(0, 7)}${workspace.git.dirty ? ' (with local changes)' : ''}${toCluster}`);
    if (patching && options.cluster && options.manifests !== false) {
      // Rendering manifests/ and reading the cluster's objects needs only the release and the cluster: done while
      // the operator builds and pushes, so the patch stage only asks and writes. Its failure surfaces there.
      comparingManifests = compareManifests({ cluster: options.cluster, root: workspace.git.root, release: prepared.release, component: workspace.match.component });
      comparingManifests.catch(() => undefined);
    }

    let image: string;
    let tagPullSpec = `${to.registry}/${to.repository}:${tag}`;
    let uploadedBytes: number | undefined;
    let layer: DevLoopResult['layer'];
    let crossRegistry: boolean | undefined;
    if (builder === 'append') {
      // Keeps the start of a build begun during prepare.
      tracker.start('build', 'go build');
      const built = await buildAppendLayer(options, prepared, output, early, tracker, line, logger).catch(fail);
      tracker.done(`${built.binaryPath}: layer ${(built.layer.size / 1e6).toFixed(2)} MB`);
      tracker.start('push', `to ${tagPullSpec}`);
      const pushed = await appendImage({
        client: options.client,
        base: component,
        layer: built.layer,
        createdBy: `okd-dev dev loop: COPY ${built.binaryPath}`,
        labels,
        to,
        tag,
        now: prepared.now,
        token: options.token,
        onStep: (m) => {
          line(m);
          tracker.detail(m);
        },
      }).catch(fail);
      image = pushed.pullSpec;
      tagPullSpec = pushed.tagPullSpec;
      uploadedBytes = pushed.uploadedBytes;
      layer = { digest: pushed.layer.digest, size: pushed.layer.size };
      crossRegistry = pushed.crossRegistry;
      tracker.done(`${image} (${uploadedBytes} bytes uploaded)`);
    } else {
      const tool = detectContainerTool(builder);
      const dockerfile = settings.dockerfile ?? workspace.dockerfiles[0];
      tracker.start('build', `${tool} build -f ${dockerfile ?? '?'}`);
      const built = await (async () => {
        if (!dockerfile) throw new OkdError('not-found', `${workspace.git.root} has no Dockerfile`, 'use the append builder, or name one with --dockerfile');
        if (settings.prebuild) await runCommand(await goBuildCommand(options, prepared, path.join(workspace.git.root, binaryName(prepared, settings))), goBuildRun(options, line, logger));
        return buildContainerImage({
          tool,
          settings: settings.tool ?? {},
          access: settings.access ?? {},
          root: workspace.git.root,
          dockerfile,
          tempDir: temp,
          to,
          tag,
          buildArgs: settings.buildArgs,
          labels,
          baseImage: settings.baseImage,
          builderImage: settings.builderImage,
          platform: options.platform,
          token: options.token,
          logger,
          onLine: line,
        });
      })().catch(fail);
      tracker.done(built.localName);
      tracker.start('push', `to ${tagPullSpec}`);
      const pushed = await pushContainerImage({
        tool,
        settings: settings.tool ?? {},
        access: settings.access ?? {},
        tempDir: temp,
        to,
        tag,
        image: built,
        pushWith: settings.pushWith ?? 'tool',
        client: options.client,
        knownImages: [component],
        platform: options.platform,
        token: options.token,
        logger,
        onLine: line,
      }).catch(fail);
      image = pushed.pullSpec;
      uploadedBytes = pushed.uploadedBytes;
      tracker.done(image);
    }

    const result: DevLoopResult = {
      component: workspace.match.component,
      ...(workspace.match.placements[0] ? { placement: workspace.match.placements[0] } : {}),
      release: { version: prepared.release.version, pullSpec: prepared.releaseImage },
      builder,
      image,
      tagPullSpec,
      commit: workspace.git.commit,
      dirty: workspace.git.dirty,
      builtAt: prepared.now.toISOString(),
      ...(uploadedBytes !== undefined ? { uploadedBytes } : {}),
      ...(layer ? { layer } : {}),
      ...(crossRegistry !== undefined ? { crossRegistry } : {}),
      ...(prepared.clusterRegistry ? { clusterRegistry: { route: prepared.clusterRegistry.registry.route, internal: prepared.clusterRegistry.registry.internal } } : {}),
      stages: tracker.stages,
    };
    if (!patching || !options.cluster) {
      const why = options.cluster ? 'not patching (--no-patch)' : 'no cluster';
      tracker.skip('patch', why);
      tracker.skip('rollout', why);
      return result;
    }
    const cluster = options.cluster;
    tracker.start('patch', `${workspace.match.component} to ${image}`);
    const manifests = options.manifests === false ? undefined : await applyManifestsBeforePatch({
      cluster,
      root: workspace.git.root,
      release: prepared.release,
      component: workspace.match.component,
      ...(options.confirmManifests ? { confirm: options.confirmManifests } : {}),
      ...(options.token ? { token: options.token } : {}),
      onStep: (m) => tracker.detail(m),
    }, comparingManifests).catch(fail);
    if (manifests?.restore) restore = result.restore = manifests.restore;
    const patched = await patchOperator(cluster, {
      operator: workspace.match.component,
      image: podImage(image, prepared.clusterRegistry),
      registry: options.client,
      cache,
      platform: options.platform,
      token: options.token,
      onStep: (m) => tracker.detail(m),
    }).catch(fail);
    const target = patched.target;
    restore = { operator: workspace.match.component, namespace: target.namespace, name: target.name, command: `okd-dev cluster restore ${workspace.match.component}` };
    result.restore = restore;
    result.patch = { image: patched.image, overrideAdded: patched.overrideAdded, namespace: target.namespace, name: target.name, containers: target.containers.map((c) => c.name) };
    result.manifests = manifests ? await manifests.finish().catch(fail) : manifestsOff();
    const kind = target.kind;
    tracker.done(`${kind} ${target.namespace}/${target.name}; manifests: ${result.manifests.summary}`);
    tracker.start('rollout', `${kind} ${target.namespace}/${target.name}`);
    result.rollout = await waitForRollout(cluster, {
      kind,
      namespace: target.namespace,
      name: target.name,
      expect: { images: Object.fromEntries(target.containers.map((c) => [c.name, patched.image])), mode: 'required' },
      timeoutMs: options.rolloutTimeoutMs,
      token: options.token,
      onProgress: (p) => tracker.detail(p.message),
    }).catch(fail);
    tracker.done(result.rollout.progress.message);
    return result;
  } finally {
    // Never leave a build running (cancelled loops, failures after prepare).
    await early?.stop();
    // A comparison begun during a build that failed: its reads end before the loop returns.
    await comparingManifests?.catch(() => undefined);
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function buildAppendLayer(
  options: DevLoopOptions,
  prepared: Prepared,
  output: string,
  early: EarlyBuild | undefined,
  tracker: StageTracker,
  line: (l: string) => void,
  logger: Logger,
) {
  const settings = options.settings ?? {};
  const binaryPath = binaryPathOf(prepared, settings);
  const target = await buildTargetOf(options, prepared);
  const command = goBuildFor(options, target, output);
  const guessed = early ? await early.command : undefined;
  if (early && guessed && sameCommand(guessed, command)) {
    // The early build is this build: its time counts from its start, during prepare.
    tracker.detail(`go build ${target.package} (started while preparing)`);
    const outcome = await early.outcome;
    if (outcome?.error) throw outcome.error;
  } else {
    // No early build, or one of another target (package, architecture, folder): stopped, and the stage starts now.
    await early?.stop();
    tracker.start('build', `${guessed ? 'the early build guessed wrong; ' : ''}${command.command} ${command.args.join(' ')}`, { restart: true });
    await runCommand(command, goBuildRun(options, line, logger));
  }
  rememberBuildTarget(options, target);
  let content: Buffer;
  try {
    content = await fs.readFile(output);
  } catch {
    throw new OkdError('not-found', `the build command did not write ${output}`, 'make the build command write the binary to {output}');
  }
  tracker.detail(`packing ${binaryPath} (${(content.length / 1e6).toFixed(1)} MB)`);
  const layer = await packLayer([{ path: binaryPath.replace(/^\/+/, ''), content, mode: 0o755 }], imageFormat(prepared.component), settings.layerGzipLevel);
  return { binaryPath, layer };
}

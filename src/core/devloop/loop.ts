import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendImage, entrypointPath, imageFormat, packLayer, readSourceImage, type SourceImage } from '../build/append';
import { buildContainerImage, pushContainerImage } from '../build/containerBuild';
import { buildCommand, findMainPackage } from '../build/gobuild';
import { runCommand } from '../build/runner';
import type { Builder, BuildSettings } from '../build/settings';
import { detectContainerTool } from '../build/tools';
import type { CancellationTokenLike } from '../cancel';
import type { ClusterClient } from '../cluster/client';
import { type PatchOperatorResult, patchOperator, readClusterRelease } from '../cluster/patch';
import { type RolloutState, waitForRollout } from '../cluster/rollout';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { formatPullspec, parsePullspec, type Pullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from '../release/cache';
import { ANNOTATION_COMMIT, ANNOTATION_SOURCE, type Release } from '../release/model';
import { readRelease } from '../release/reader';
import { describeWorkspace, type Workspace } from '../workspace';
import type { ComponentPlacement } from '../workspace/match';
import { sourceLocationOf } from '../workspace/remotes';
import { DevLoopError, type DevLoopStage, type DevLoopStageName, DEV_LOOP_STAGES, type RestoreHint, StageTracker } from './stages';

/** Set on dev images built from a work tree with uncommitted changes. */
export const LABEL_DIRTY = 'okd-dev.openshift.io/dirty';

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
  /** The dev repository (`quay.io/me/okd-dev`). */
  to: string;
  settings?: BuildSettings;
  /** Where to patch; without it (or with patch: false) the loop ends after the push. */
  cluster?: ClusterClient;
  patch?: boolean;
  rolloutTimeoutMs?: number;
  /** Parent of the loop's temporary folder (default the system's). */
  tempDir?: string;
  now?: () => Date;
  token?: CancellationTokenLike;
  logger?: Logger;
  onStage?: (stage: DevLoopStage, all: DevLoopStage[]) => void;
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
  restore?: RestoreHint;
  stages: DevLoopStage[];
}

/** `<component>-<commit7>[-dirty]-<yyyymmddhhmmss>`: sortable, and says what was built from what. */
export function devTag(component: string, commit: string, dirty: boolean, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
  const name = component.replace(/[^\w.-]/g, '-').slice(0, 80);
  return `${name}-${commit ? commit.slice(0, 7) : 'nocommit'}${dirty ? '-dirty' : ''}-${stamp}`;
}

/** The labels a dev image carries: the workspace's commit and source, as the payload's images do. */
export function devLabels(workspace: Workspace): Record<string, string> {
  return {
    [ANNOTATION_COMMIT]: workspace.git.commit,
    [ANNOTATION_SOURCE]: sourceLocationOf(workspace.match.remote.url),
    ...(workspace.git.dirty ? { [LABEL_DIRTY]: 'true' } : {}),
  };
}

function parseDevRepository(text: string): Pick<Pullspec, 'registry' | 'repository'> {
  if (!text) throw new OkdError('invalid-input', 'no dev repository to push to', 'pass --to REGISTRY/REPOSITORY (or set okd.devRepository), e.g. quay.io/me/okd-dev');
  const ref = parsePullspec(text);
  if (ref.tag || ref.digest) throw new OkdError('invalid-input', `the dev repository ${text} has a tag or digest`, `give the repository only: ${ref.registry}/${ref.repository}`);
  return { registry: ref.registry, repository: ref.repository };
}

interface Prepared {
  release: Release;
  releaseImage: string;
  workspace: Workspace;
  component: SourceImage;
  to: Pick<Pullspec, 'registry' | 'repository'>;
  tag: string;
  labels: Record<string, string>;
  now: Date;
}

/**
 * Build, push, patch, rollout: takes an edited operator checkout to a running pod. Each stage is timed and reported
 * through onStage; a failure says which stage failed and, once the cluster was touched, how to restore.
 */
export async function runDevLoop(options: DevLoopOptions): Promise<DevLoopResult> {
  const logger = options.logger ?? silentLogger;
  const settings = options.settings ?? {};
  const line = options.onLine ?? (() => undefined);
  const patching = options.patch !== false && options.cluster !== undefined;
  const tracker = new StageTracker(DEV_LOOP_STAGES, options.onStage);
  const temp = await fs.mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'okd-dev-loop-'));
  let restore: RestoreHint | undefined;
  const fail = (err: unknown): never => {
    const stage: DevLoopStageName = tracker.running ?? 'prepare';
    tracker.fail(err instanceof Error ? err.message : String(err));
    throw new DevLoopError(stage, tracker.stages, err, restore);
  };
  try {
    const builder: Builder = settings.builder === undefined ? 'append' : settings.builder === 'auto' ? detectContainerTool('auto') : settings.builder;
    tracker.start('prepare', 'reading the release and the workspace');
    const prepared = await prepare(options, tracker).catch(fail);
    const { workspace, component, to, tag, labels } = prepared;
    tracker.done(`${workspace.match.component} from ${workspace.git.root} at ${workspace.git.commit.slice(0, 7)}${workspace.git.dirty ? ' (with local changes)' : ''}`);

    let image: string;
    let tagPullSpec = `${to.registry}/${to.repository}:${tag}`;
    let uploadedBytes: number | undefined;
    let layer: DevLoopResult['layer'];
    let crossRegistry: boolean | undefined;
    if (builder === 'append') {
      tracker.start('build', 'go build');
      const built = await buildAppendLayer(options, prepared, temp, line, logger).catch(fail);
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
        if (settings.prebuild) await goBuild(options, prepared, path.join(workspace.git.root, binaryName(prepared, settings)), line, logger);
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
    const patched = await patchOperator(cluster, {
      operator: workspace.match.component,
      image,
      registry: options.client,
      cache: options.cache,
      platform: options.platform,
      token: options.token,
      onStep: (m) => tracker.detail(m),
    }).catch(fail);
    const target = patched.target;
    restore = { operator: workspace.match.component, namespace: target.namespace, name: target.name, command: `okd-dev cluster restore ${workspace.match.component}` };
    result.restore = restore;
    result.patch = { image: patched.image, overrideAdded: patched.overrideAdded, namespace: target.namespace, name: target.name, containers: target.containers.map((c) => c.name) };
    tracker.done(`Deployment ${target.namespace}/${target.name}`);
    tracker.start('rollout', `Deployment ${target.namespace}/${target.name}`);
    result.rollout = await waitForRollout(cluster, {
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
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function prepare(options: DevLoopOptions, tracker: StageTracker): Promise<Prepared> {
  const to = parseDevRepository(options.to);
  let release: Release;
  let releaseImage: string;
  if (options.release) {
    tracker.detail(`reading ${options.release}`);
    release = await readRelease(options.release, { registry: options.client, cache: options.cache, platform: options.platform, token: options.token, logger: options.logger });
    releaseImage = options.release;
  } else if (options.cluster) {
    tracker.detail(`reading the release of context ${options.cluster.context}`);
    const current = await readClusterRelease(options.cluster, { registry: options.client, cache: options.cache, platform: options.platform, token: options.token });
    release = current.release;
    releaseImage = current.image;
  } else {
    throw new OkdError('invalid-input', 'no release to build against', 'pass --release PULLSPEC, or a cluster (--kubeconfig/--context) whose release is used');
  }
  tracker.detail(`matching ${options.dir} to a component of ${release.version}`);
  const workspace = await describeWorkspace(options.dir, release, { component: options.component, token: options.token, logger: options.logger });
  const pullSpec = workspace.match.pullSpec;
  const ref = parsePullspec(pullSpec);
  tracker.detail(`reading ${workspace.match.component} image ${pullSpec}`);
  const component = await readSourceImage(options.client, ref, options.platform, options.token);
  const now = (options.now ?? (() => new Date()))();
  return {
    release,
    releaseImage,
    workspace,
    component,
    to,
    tag: devTag(workspace.match.component, workspace.git.commit, workspace.git.dirty, now),
    labels: devLabels(workspace),
    now,
  };
}

function binaryPathOf(prepared: Prepared, settings: BuildSettings): string {
  const where = settings.binaryPath ?? entrypointPath(prepared.component.config);
  if (!where) {
    throw new OkdError(
      'not-found',
      `the ${prepared.workspace.match.component} image ${formatPullspec(prepared.component.ref)} has no Entrypoint or Cmd naming its binary`,
      'say where the binary goes with --binary-path /usr/bin/NAME',
    );
  }
  return where;
}

function binaryName(prepared: Prepared, settings: BuildSettings): string {
  return path.posix.basename(binaryPathOf(prepared, settings));
}

async function goBuild(options: DevLoopOptions, prepared: Prepared, output: string, line: (l: string) => void, logger: Logger): Promise<void> {
  const settings = options.settings ?? {};
  const root = prepared.workspace.git.root;
  const custom = settings.buildCommand?.length ? settings.buildCommand : undefined;
  const needsPackage = !custom || custom.some((a) => a.includes('{package}'));
  const pkg = needsPackage ? await findMainPackage(root, [binaryName(prepared, settings), prepared.workspace.match.component]) : '';
  const cmd = buildCommand({ root, output, package: pkg, argv: custom, architecture: prepared.component.config.architecture, env: settings.buildEnv });
  await runCommand(cmd, { token: options.token, logger, onLine: line, what: 'the build command', captureStdout: false });
}

async function buildAppendLayer(options: DevLoopOptions, prepared: Prepared, temp: string, line: (l: string) => void, logger: Logger) {
  const settings = options.settings ?? {};
  const binaryPath = binaryPathOf(prepared, settings);
  const output = path.join(temp, path.posix.basename(binaryPath));
  await goBuild(options, prepared, output, line, logger);
  let content: Buffer;
  try {
    content = await fs.readFile(output);
  } catch {
    throw new OkdError('not-found', `the build command did not write ${output}`, 'make the build command write the binary to {output}');
  }
  const layer = await packLayer([{ path: binaryPath.replace(/^\/+/, ''), content, mode: 0o755 }], imageFormat(prepared.component));
  return { binaryPath, layer };
}

import * as path from 'node:path';
import { BUILDERS, type Builder, type BuildSettings } from '../../core/build/settings';
import { DevLoopError, type DevLoopResult, type DevLoopStage, formatStageTimes, runDevLoop } from '../../core/devloop';
import { outputFormat, parseCommandArgs } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';
import { containerOptions, containerOptionsUsage, containerSettings } from './containerOptions';
import { connectCluster, devOptions, devOptionsUsage, interruptToken } from './devOptions';

const usage = `Usage: okd-dev dev loop [--path DIR] [--builder append|podman|buildah|docker] [--to REPO] [--release PULLSPEC]
       [--kubeconfig FILE] [--context NAME] [--no-patch] [--no-manifests] [-o json]

Build, push, patch and roll out: takes the edited operator checkout to a running pod. The checkout's git remote
names the payload component it builds; the new image goes to the dev repository and the component's Deployment is
patched (with a ClusterVersion override) and watched until its rollout completes. Each stage is timed; on failure
the stage is named, and \`okd-dev cluster restore COMPONENT\` puts the payload's image back.

With the patch, the checkout's manifests/ are rendered for the cluster's release (as \`okd-dev cluster
apply-manifests\` does) and what changed is applied, each object behind its own ClusterVersion override: CRDs,
RBAC, ConfigMaps before the image patch, the operator Deployment's env and args with it. Restore puts those back too.

Builders:
  append (default)  the fast path, no container engine: runs the build command, packs the binary into one layer
                    at the image's entrypoint and appends it to the component image of the payload. Base layers are
                    mounted or already in the dev repository: only the new layer is uploaded.
  podman|buildah|docker   builds the Dockerfile (Dockerfile.okd first) and pushes with the tool.

Options:
      --to REPO                the dev repository, e.g. quay.io/me/okd-dev (default: OKD_DEV_REPOSITORY; without
                               either, the cluster's own registry through its exposed route, with your token)
      --no-patch               stop after the push
      --no-manifests           patch the image only: leave the checkout's manifests/ out
      --timeout SECONDS        how long to wait for the rollout (default 600)
      --build-command ARGV     the build, as words (no shell); {output} and {package} are filled in
                               (default: go build -o {output} {package}, CGO_ENABLED=0)
      --binary-path PATH       where the binary goes in the image (default: the image's entrypoint)
${containerOptionsUsage}

${devOptionsUsage}`;

const loopOptions = {
  ...devOptions,
  builder: { type: 'string' },
  to: { type: 'string' },
  'no-patch': { type: 'boolean' },
  'no-manifests': { type: 'boolean' },
  timeout: { type: 'string' },
  'build-command': { type: 'string' },
  'binary-path': { type: 'string' },
  ...containerOptions,
} as const;

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : ` ${(ms / 1000).toFixed(1)} s`;
}

/** `✓ build 0.9 s: detail`: one stage as the dev loop commands print it. */
export function stageLine(stage: DevLoopStage): string {
  const mark = { pending: ' ', running: '>', done: '✓', failed: '✗', skipped: '-' }[stage.state];
  return `${mark} ${stage.name}${seconds(stage.ms)}${stage.detail ? `: ${stage.detail}` : ''}`;
}

function summary(result: DevLoopResult): string {
  const lines = [
    `Built ${result.component} from ${result.commit.slice(0, 12)}${result.dirty ? ' with local changes' : ''} (${result.builder}) against ${result.release.version}`,
    `Image:   ${result.image}`,
    `Tag:     ${result.tagPullSpec}`,
  ];
  if (result.uploadedBytes !== undefined) lines.push(`Upload:  ${result.uploadedBytes} bytes${result.layer ? ` (new layer ${result.layer.size} bytes)` : ''}${result.crossRegistry ? ', base layers copied across registries' : ''}`);
  if (result.clusterRegistry) lines.push(`Pushed:  to the cluster's own registry (no dev repository set): route ${result.clusterRegistry.route}, pulled as ${result.patch?.image ?? result.clusterRegistry.internal}`);
  if (result.patch) lines.push(`Running: Deployment ${result.patch.namespace}/${result.patch.name} (${result.patch.containers.join(', ')})${result.rollout ? `, ${result.rollout.progress.message}` : ''}`);
  if (result.manifests) {
    lines.push(`Manifests: ${result.manifests.state === 'applied' ? `applied ${result.manifests.applied.length}, each behind its override` : result.manifests.summary}`);
    for (const a of result.manifests.applied) lines.push(`  ${a.how} ${a.object}${a.changes.length ? ` (${a.changes.join(', ')})` : ''}`);
    for (const w of result.manifests.warnings) lines.push(`  warning: ${w}`);
  }
  if (result.restore) lines.push(`Restore: ${result.restore.command}`);
  lines.push(`Stages:  ${formatStageTimes(result.stages)}`);
  return `${lines.join('\n')}\n`;
}

export async function devLoop(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, loopOptions, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, usage);
  const format = outputFormat(values.output, usage);
  const builder = values.builder ?? 'append';
  if (!(BUILDERS as readonly string[]).includes(builder) && builder !== 'auto') throw new UsageError(`unknown builder '${builder}': use ${BUILDERS.join(', ')} or auto`, usage);
  let timeoutMs = 600_000;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout needs a number of seconds, got '${values.timeout}'`, usage);
    timeoutMs = s * 1000;
  }
  const to = values.to ?? process.env.OKD_DEV_REPOSITORY ?? '';
  const settings: BuildSettings = {
    builder: builder as Builder | 'auto',
    ...(values['build-command'] ? { buildCommand: values['build-command'].trim().split(/\s+/) } : {}),
    ...(values['binary-path'] ? { binaryPath: values['binary-path'] } : {}),
    ...containerSettings(values, usage),
    prebuild: values.prebuild ?? false,
  };
  const context = createContext(values);
  const patch = !values['no-patch'];
  const cluster = patch || !values.release || !to ? await connectCluster(values, context) : undefined;
  const interrupt = interruptToken();
  const verbose = values.verbose ?? false;
  try {
    const result = await runDevLoop({
      dir: path.resolve(values.path ?? process.cwd()),
      client: context.registry,
      cache: context.cache,
      ...(context.platform ? { platform: context.platform } : {}),
      ...(values.release ? { release: values.release } : {}),
      ...(values.component ? { component: values.component } : {}),
      to,
      settings,
      ...(cluster ? { cluster } : {}),
      patch,
      manifests: !values['no-manifests'],
      rolloutTimeoutMs: timeoutMs,
      token: interrupt.token,
      logger: context.logger,
      onStage: (stage) => {
        if (stage.state !== 'running' || verbose) process.stderr.write(`${stageLine(stage)}\n`);
        else context.progress(stageLine(stage));
      },
      onLine: (line) => {
        if (verbose) process.stderr.write(`  | ${line}\n`);
      },
    });
    context.progress('');
    process.stdout.write(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
  } catch (err) {
    context.progress('');
    if (err instanceof DevLoopError && format === 'json') {
      process.stdout.write(`${JSON.stringify({ failedStage: err.stage, error: err.message, stages: err.stages, restore: err.restore }, null, 2)}\n`);
    }
    throw err;
  } finally {
    interrupt.dispose();
  }
}

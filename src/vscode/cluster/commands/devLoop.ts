import * as path from 'node:path';
import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import type { ClusterClient } from '../../../core/cluster/client';
import { exposedRegistryRoute } from '../../../core/cluster/clusterRegistry';
import { DEV_LOOP_STAGES, DevLoopError, type DevLoopResult, type DevLoopStage, formatStageTimes, runDevLoop } from '../../../core/devloop';
import { describeError, OkdError } from '../../../core/errors';
import type { Services } from '../../services';
import type { LastBuild, WorkspaceAwareness } from '../../workspace/awareness';
import { devRepository, isBuilder, readBuildSettings, saveDevRepository, validateDevRepository } from '../../workspace/devLoopSettings';
import { shortImage } from '../items';
import { reviewManifests } from '../manifestsDiff';
import { rememberImage } from '../pick';
import { withClusterProgress } from '../progress';
import { rolloutTimeoutMs } from '../settings';
import { type ClusterCommand, optionsArg, stringOption } from './types';

const TITLE = 'Build, Push & Patch';

/** What okd.devLoop returns when a stage failed (as `okd-dev dev loop -o json` prints it); shown to the user too. */
export interface DevLoopFailure {
  failedStage: DevLoopStage['name'];
  error: string;
  stages: DevLoopStage[];
  restore?: DevLoopError['restore'];
}

/** The progress line: the running stage(s), then the finished stages' times, e.g. `push (prepare 0.2 s, build 0.5 s)`. */
export function stageProgressText(stages: readonly DevLoopStage[]): string {
  const running = DEV_LOOP_STAGES.filter((name) => stages.some((s) => s.name === name && s.state === 'running'));
  const finished = formatStageTimes(stages.filter((s) => s.state !== 'running'));
  const current = stages.find((s) => s.name === running[running.length - 1]);
  const detail = current?.detail ? `: ${current.detail.length > 70 ? `${current.detail.slice(0, 69)}…` : current.detail}` : '';
  return `${running.join(' + ') || 'finishing'}${finished ? ` (${finished})` : ''}${detail}`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The checkout to build: `{path}`, the Dockerfile's (editor title), the one building `{component}` (a Release
 * Explorer row), the one the workspace builds, or a pick.
 */
export async function pickCheckout(arg: unknown, options: Record<string, unknown> | undefined, workspace: WorkspaceAwareness | undefined): Promise<string> {
  const given = stringOption(options, 'path') ?? (arg instanceof vscode.Uri && arg.scheme === 'file' ? path.dirname(arg.fsPath) : undefined);
  if (given) return path.resolve(given);
  const all = workspace ? await workspace.ensure() : [];
  const component = stringOption(options, 'component');
  const builds = component && all.some((b) => b.component === component) ? all.filter((b) => b.component === component) : all;
  const active = vscode.window.activeTextEditor?.document.uri;
  const inActive = active?.scheme === 'file' ? builds.find((b) => workspace?.buildFor(active.fsPath) === b) : undefined;
  if (inActive) return inActive.root;
  if (builds.length === 1) return (builds[0] as (typeof builds)[number]).root;
  if (builds.length > 1) {
    const picked = await vscode.window.showQuickPick(
      builds.map((b) => ({ label: b.component, description: b.root, detail: b.description, root: b.root })),
      { title: TITLE, placeHolder: 'The checkout to build', ignoreFocusOut: true },
    );
    if (!picked) throw new CancelledError('picking the checkout');
    return picked.root;
  }
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 1) return (folders[0] as vscode.WorkspaceFolder).uri.fsPath;
  if (!folders.length) throw new OkdError('invalid-input', 'no folder is open to build', 'open the operator repository (a git checkout whose remote is a payload component\'s source)');
  const folder = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'The operator checkout to build', ignoreFocusOut: true });
  if (!folder) throw new CancelledError('picking the folder');
  return folder.uri.fsPath;
}

/** `{to}`, okd.devRepository, '' for the cluster's own registry when its route is exposed, or asked (and offered to be saved). */
async function pickDevRepository(services: Services, options: Record<string, unknown> | undefined, cluster: ClusterClient): Promise<string> {
  const given = stringOption(options, 'to') ?? devRepository();
  if (given) {
    const invalid = validateDevRepository(given);
    if (invalid) throw new OkdError('invalid-input', `okd.devRepository "${given}": ${invalid}`, 'set okd.devRepository to REGISTRY/REPOSITORY, e.g. quay.io/me/okd-dev');
    return given;
  }
  const route = await exposedRegistryRoute(cluster);
  if (route) {
    services.logger.info(`devloop: no okd.devRepository: pushing to the cluster's own registry at ${route}`);
    return '';
  }
  const typed = await vscode.window.showInputBox({
    title: `${TITLE}: dev repository`,
    prompt: 'Where your operator images are pushed (credentials as for reading payloads)',
    placeHolder: 'quay.io/me/okd-dev',
    validateInput: validateDevRepository,
    ignoreFocusOut: true,
  });
  if (!typed) throw new CancelledError('typing the dev repository');
  const repository = typed.trim();
  const save = 'Save in Settings';
  void vscode.window.showInformationMessage(`Push to ${repository} every time (okd.devRepository)?`, save).then(async (choice) => {
    if (choice !== save) return;
    await saveDevRepository(repository);
    services.logger.info(`devloop: okd.devRepository set to ${repository}`);
  });
  return repository;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function lastBuildOf(result: DevLoopResult): LastBuild {
  return {
    image: result.patch?.image ?? result.image,
    tagPullSpec: result.tagPullSpec,
    commit: result.commit,
    dirty: result.dirty,
    builtAt: result.builtAt,
    builder: result.builder,
    ...(result.patch ? { deployment: `Deployment ${result.patch.namespace}/${result.patch.name}` } : {}),
    ...(result.rollout ? { rollout: result.rollout.progress.message } : {}),
    stageTimes: formatStageTimes(result.stages),
  };
}

/** The failure a user reads: the stage, the reason (without the "dev loop failed in stage" prefix) and the hint. */
function failureText(err: DevLoopError): string {
  const cause = err.cause;
  const reason = cause instanceof CancelledError ? 'cancelled' : describeError(cause ?? err);
  return `${TITLE} failed at ${err.stage}: ${reason}`;
}

/**
 * okd.devLoop, "Build, Push & Patch": builds the checkout (fast path by default), pushes it to the dev repository,
 * patches the component's Deployment and waits for the rollout, in one cancellable notification that shows the
 * stage and the finished stages' times. Pickers first (checkout, dev repository), then the work. Arguments for tests
 * and the CodeLens: `{path?, to?, builder?, env?, component?}` (env: extra environment of the build command, e.g.
 * GOCACHE/GOFLAGS). Returns the DevLoopResult, or a DevLoopFailure naming the stage that failed (the failure is
 * shown, with Restore when the cluster was touched); a cancel before the cluster was touched returns nothing.
 */
export const devLoop: ClusterCommand = {
  id: 'okd.devLoop',
  async run({ services, model, workspace }, arg) {
    const options = arg instanceof vscode.Uri ? undefined : optionsArg(arg);
    const builderArg = options?.['builder'];
    if (builderArg !== undefined && !isBuilder(builderArg)) throw new OkdError('invalid-input', `unknown builder "${String(builderArg)}"`, 'use append, auto, podman, buildah or docker');
    const dir = await pickCheckout(arg, options, workspace);
    const cluster = await model.connected();
    const to = await pickDevRepository(services, options, cluster);
    const env = stringRecord(options?.['env']);
    const settings = readBuildSettings({ ...(isBuilder(builderArg) ? { builder: builderArg } : {}), ...(env ? { env } : {}) });
    const component = stringOption(options, 'component');
    const confirmManifests = options?.['confirmManifests'] ?? vscode.workspace.getConfiguration('okd.devLoop').get<boolean>('confirmManifests') ?? true;
    const known = workspace?.buildFor(dir);
    const name = component ?? known?.component;
    const platform = services.platform();
    const logger = services.logger;
    logger.info(`devloop: ${dir} -> ${to || "the cluster's registry"} (builder ${String(settings.builder)}) on ${cluster.server}`);

    let result: DevLoopResult;
    try {
      result = await withClusterProgress(`${TITLE}${name ? ` ${name}` : ''}`, (report, token) =>
        runDevLoop({
          dir,
          client: services.registry(),
          cache: services.cache(),
          ...(platform ? { platform } : {}),
          ...(component ? { component } : {}),
          to,
          settings,
          cluster,
          manifests: options?.['manifests'] !== false,
          ...(confirmManifests !== false
            ? {
                confirmManifests: async (d) => {
                  const answer = await reviewManifests(d, { context: cluster.context, applyLabel: 'Apply and Patch', skipLabel: 'Patch Image Only', logger });
                  if (answer === 'cancel') throw new CancelledError(TITLE);
                  logger.info(`devloop: manifests ${answer === 'apply' ? 'to be applied' : 'left out (Patch Image Only)'}`);
                  return answer === 'apply';
                },
              }
            : {}),
          rolloutTimeoutMs: rolloutTimeoutMs(),
          token,
          logger,
          onStage: (stage, all) => {
            if (stage.state !== 'running') logger.info(`devloop: ${stage.name} ${stage.state}${stage.ms !== undefined ? ` in ${seconds(stage.ms)}` : ''}${stage.detail ? `: ${stage.detail}` : ''}`);
            report(stageProgressText(all));
          },
          onLine: (line) => logger.info(`devloop | ${line}`),
        }),
      );
    } catch (err) {
      void model.reread();
      if (!(err instanceof DevLoopError)) throw err;
      const text = failureText(err);
      logger.error(`devloop: ${text}${err.stages.length ? ` (${formatStageTimes(err.stages)})` : ''}`);
      if (err.cause instanceof CancelledError && !err.restore) throw new CancelledError(TITLE);
      const restore = 'Restore';
      const showLog = 'Show Log';
      const actions = err.restore ? [restore, showLog] : [showLog];
      void vscode.window.showErrorMessage(`${text}${err.restore ? ` ${err.restore.operator} is patched; Restore puts the payload's image back.` : ''}`, ...actions).then((choice) => {
        if (choice === restore && err.restore) void vscode.commands.executeCommand('okd.restoreOperator', { operator: `${err.restore.namespace}/${err.restore.name}` });
        if (choice === showLog) services.log.show(true);
      });
      return { failedStage: err.stage, error: text, stages: err.stages, ...(err.restore ? { restore: err.restore } : {}) } satisfies DevLoopFailure;
    }

    void model.reread();
    void rememberImage(services, result.image);
    const deployment = result.patch ? `Deployment ${result.patch.namespace}/${result.patch.name}` : undefined;
    await workspace?.recordBuild(
      dir,
      {
        component: result.component,
        placements: result.placement ? [result.placement] : [],
        dockerfiles: known?.dockerfiles ?? [],
        release: { version: result.release.version, image: result.release.pullSpec },
        description: known?.description ?? `this workspace builds ${result.component}`,
      },
      lastBuildOf(result),
    );
    const rollout = result.stages.find((s) => s.name === 'rollout');
    const times = formatStageTimes(result.stages);
    logger.info(`devloop: ${result.component} runs ${result.image}${deployment ? ` in ${deployment}` : ''} (${times})`);
    if (result.manifests) logger.info(`devloop: manifests ${result.manifests.summary}`);
    const showLogs = 'Show Logs';
    const restore = 'Restore';
    void vscode.window
      .showInformationMessage(
        `${result.component} runs ${shortImage(result.image)}${rollout?.ms !== undefined ? `: rolled out in ${seconds(rollout.ms)}` : ''} (${times}).`,
        showLogs,
        restore,
      )
      .then((choice) => {
        if (!result.patch) return;
        const target = { namespace: result.patch.namespace, name: result.patch.name };
        if (choice === showLogs) void vscode.commands.executeCommand('okd.showOperatorLogs', { ...target, operator: result.component });
        if (choice === restore) void vscode.commands.executeCommand('okd.restoreOperator', { operator: `${target.namespace}/${target.name}` });
      });
    return result;
  },
};

/**
 * The fast path's Go build, started before prepare has finished: what to build (remembered per checkout, else
 * guessed), the command for it, and the early build that runs while the release and the checkout are read.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { entrypointPath } from '../build/append';
import type { ExternalCommand } from '../build/command';
import { buildCommand, findMainPackage, goArchitecture } from '../build/gobuild';
import { runCommand } from '../build/runner';
import type { BuildSettings } from '../build/settings';
import { linkedToken } from '../cancel';
import { OkdError } from '../errors';
import type { Logger } from '../log';
import { formatPullspec } from '../pullspec';
import type { DevLoopOptions } from './loop';
import type { Prepared } from './prepare';
import type { StageTracker } from './stages';

export function binaryPathOf(prepared: Prepared, settings: BuildSettings): string {
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

export function binaryName(prepared: Prepared, settings: BuildSettings): string {
  return path.posix.basename(binaryPathOf(prepared, settings));
}

/** What decides the build command besides the settings: the folder, the main package and GOARCH. */
export interface BuildTarget {
  root: string;
  package: string;
  architecture?: string;
}

export function goBuildFor(options: DevLoopOptions, target: BuildTarget, output: string): ExternalCommand {
  const settings = options.settings ?? {};
  const custom = settings.buildCommand?.length ? settings.buildCommand : undefined;
  return buildCommand({ root: target.root, output, package: target.package, argv: custom, architecture: target.architecture, env: settings.buildEnv });
}

export async function buildTargetOf(options: DevLoopOptions, prepared: Prepared): Promise<BuildTarget> {
  const settings = options.settings ?? {};
  const root = prepared.workspace.git.root;
  const custom = settings.buildCommand?.length ? settings.buildCommand : undefined;
  const needsPackage = !custom || custom.some((a) => a.includes('{package}'));
  const pkg = needsPackage ? await findMainPackage(root, [binaryName(prepared, settings), prepared.workspace.match.component]) : '';
  return { root, package: pkg, ...(prepared.component.config.architecture ? { architecture: prepared.component.config.architecture } : {}) };
}

export async function goBuildCommand(options: DevLoopOptions, prepared: Prepared, output: string): Promise<ExternalCommand> {
  return goBuildFor(options, await buildTargetOf(options, prepared), output);
}

export function goBuildRun(options: DevLoopOptions, line: (l: string) => void, logger: Logger, token = options.token) {
  return { token, logger, onLine: line, what: 'the build command', captureStdout: false };
}

/** What the last loop over a checkout built (by the folder and component it was given): the next loop's early build. */
const lastTargets = new Map<string, BuildTarget>();
const TARGETS_KEPT = 16;
const targetKey = (options: DevLoopOptions) => `${path.resolve(options.dir)}\n${options.component ?? ''}`;

export function sameCommand(a: ExternalCommand, b: ExternalCommand): boolean {
  return JSON.stringify([a.command, a.args, a.cwd, a.env]) === JSON.stringify([b.command, b.args, b.cwd, b.env]);
}

/** The top of the work tree holding `dir` (where `.git` is), without running git; undefined when there is none. */
async function workTreeOf(dir: string): Promise<string | undefined> {
  let at = await fs.realpath(dir).catch(() => path.resolve(dir));
  for (;;) {
    if (await fs.stat(path.join(at, '.git')).then(() => true, () => false)) return at;
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}

/** The build most likely wanted when no loop built this checkout yet: its work tree's only main package (for GOARCH, this machine's). */
async function guessBuildTarget(options: DevLoopOptions): Promise<BuildTarget | undefined> {
  const root = await workTreeOf(options.dir);
  if (!root) return undefined;
  const pkg = await findMainPackage(root, [path.basename(root)]).catch(() => undefined);
  if (pkg === undefined) return undefined;
  const architecture = options.platform?.architecture ?? goArchitecture(process.arch);
  return { root, package: pkg, ...(architecture ? { architecture } : {}) };
}

/** The default build started before prepare ends. Neither promise rejects. */
export interface EarlyBuild {
  /** The command it runs, once chosen (undefined: no guess, nothing runs). */
  command: Promise<ExternalCommand | undefined>;
  /** How the command ended (undefined: it never ran). */
  outcome: Promise<{ error?: unknown } | undefined>;
  /** Stops it (when still running) and waits until it has; with a reason, the build stage says it was stopped. */
  stop(reason?: string): Promise<void>;
}

/**
 * Starts the default build (`go build`) of the guessed target while prepare runs; a custom build command waits for
 * prepare (it may do more than compile). The build stage begins now and says it started during prepare.
 */
export function startEarlyBuild(options: DevLoopOptions, output: string, tracker: StageTracker, line: (l: string) => void, logger: Logger): EarlyBuild | undefined {
  if (options.settings?.buildCommand?.length) return undefined;
  const own = linkedToken(options.token);
  let chosen: (command: ExternalCommand | undefined) => void = () => undefined;
  const command = new Promise<ExternalCommand | undefined>((resolve) => (chosen = resolve));
  const outcome = (async () => {
    // The last loop's target is known at once: go is spawned before anything else (a spawn from a big process is
    // slow, and prepare spawns git three times).
    const target = lastTargets.get(targetKey(options)) ?? (await guessBuildTarget(options).catch(() => undefined));
    if (!target || own.token.isCancellationRequested) return undefined;
    const cmd = goBuildFor(options, target, output);
    tracker.startEarly('build', `go build ${target.package} (started while preparing)`);
    const running = runCommand(cmd, goBuildRun(options, line, logger, own.token));
    chosen(cmd);
    try {
      await running;
      return {};
    } catch (error) {
      return { error };
    }
  })()
    .catch(() => undefined)
    .finally(() => chosen(undefined));
  let stopped = false;
  return {
    command,
    outcome,
    async stop(reason) {
      if (stopped) return;
      stopped = true;
      own.cancel();
      const ran = await outcome;
      own.dispose();
      if (reason && ran) tracker.skip('build', `not used: ${reason}`);
    },
  };
}


/** Remembers what this checkout built, so the next loop over it can start the same build before prepare ends. */
export function rememberBuildTarget(options: DevLoopOptions, target: BuildTarget): void {
  const key = targetKey(options);
  lastTargets.delete(key);
  lastTargets.set(key, target);
  while (lastTargets.size > TARGETS_KEPT) lastTargets.delete(lastTargets.keys().next().value as string);
}

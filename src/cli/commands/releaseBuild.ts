import * as path from 'node:path';
import { CancelledError } from '../../core/cancel';
import { OkdError } from '../../core/errors';
import { BUILDERS, type Builder, type BuildSettings } from '../../core/build/settings';
import { parsePlatform } from '../../core/registry/types';
import { buildRelease, CheckoutBuildError, type CheckoutProgress, type ReleaseBuildResult } from '../../core/release/build';
import { outputFormat, parseCommandArgs } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';
import { containerOptions, containerOptionsUsage, containerSettings } from './containerOptions';
import { stageLine } from './devLoop';
import { interruptToken } from './devOptions';
import { newReleaseOptions, requireSourceAndTarget } from './releaseNew';

const usage = `Usage: okd-dev release build --from-release OLD --to-image NEW DIR... [--to REPO] [--name NAME] [--force]
  [--arch ARCH | --filter-by-os OS/ARCH] [--builder append|podman|buildah|docker] [--jobs N] [-o json]

Builds a payload from several operator checkouts at once: each DIR's component (found from its git remote, as
\`dev which\` does) is built on OLD and pushed, then all go into one payload like \`release new --from-release OLD
NAME=IMAGE... --to-image NEW\`. Builds run in parallel (--jobs, default 2). By default each checkout takes the fast
append path (go build, one new layer on the payload's component image) and its Dockerfile (the first container tool
found) when the append path does not apply (no Go main package, no entrypoint). The new payload is read back and
compared with OLD: exactly the built components must have changed. A failing checkout stops the others, and no
payload is pushed. Apply the result with \`okd-dev cluster upgrade --to-image PULLSPEC\`.

Options:
      --to REPO                where the component images go (default: NEW's repository)
      --name NAME              the release name (default OLD's version plus -custom-<yyyymmddhhmm>)
      --force                  replace NEW's tag when it exists
      --arch ARCH              build for linux/ARCH (amd64, arm64, ppc64le, s390x): the payload's image for it
                               from OLD's manifest list, Go cross-compiled; the same as --filter-by-os linux/ARCH
      --builder B              one builder for every checkout (default: append, else the Dockerfile)
      --build-command ARGV     the fast path's build, as words; {output} and {package} are filled in
      --jobs N                 how many checkouts build at once (default 2)
  -a, --registry-config FILE   registry credentials;  --insecure  plain http / unverified TLS;  --ca-file FILE
${containerOptionsUsage}`;

function checkoutName(p: Pick<CheckoutProgress, 'dir' | 'component'>): string {
  return p.component ?? path.basename(p.dir);
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number of at least 1, got '${value}'`, usage);
  return n;
}

export async function releaseBuild(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...newReleaseOptions,
    to: { type: 'string' },
    arch: { type: 'string' },
    builder: { type: 'string' },
    'build-command': { type: 'string' },
    jobs: { type: 'string' },
    ...containerOptions,
  }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const { from, to } = requireSourceAndTarget(values, usage);
  if (!positionals.length) throw new UsageError('name at least one operator checkout (DIR...)', usage);
  if (values.arch !== undefined && values['filter-by-os'] !== undefined) throw new UsageError('give --arch or --filter-by-os, not both', usage);
  const builder = values.builder;
  if (builder !== undefined && !(BUILDERS as readonly string[]).includes(builder) && builder !== 'auto') throw new UsageError(`unknown builder '${builder}': use ${BUILDERS.join(', ')} or auto`, usage);
  const format = outputFormat(values.output, usage);
  const jobs = positiveInteger(values.jobs, '--jobs') ?? 2;
  const context = createContext(values);
  let platform = context.platform;
  if (values.arch !== undefined) {
    try {
      platform = parsePlatform(`linux/${values.arch}`);
    } catch (err) {
      throw new UsageError(`--arch ${values.arch}: ${(err as Error).message}`, usage);
    }
  }
  const settings: BuildSettings = {
    ...(builder !== undefined ? { builder: builder as Builder | 'auto' } : {}),
    ...(values['build-command'] ? { buildCommand: values['build-command'].trim().split(/\s+/) } : {}),
    ...containerSettings(values, usage),
  };
  const verbose = values.verbose ?? false;
  const interrupt = interruptToken();
  try {
    const result = await buildRelease({
      registry: context.registry,
      cache: context.cache,
      from,
      dirs: positionals.map((d) => path.resolve(d)),
      to,
      ...(values.to ? { componentsTo: values.to } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      force: values.force ?? false,
      ...(platform ? { platform } : {}),
      settings,
      jobs,
      token: interrupt.token,
      logger: context.logger,
      progress: context.progress,
      onCheckout: (p) => {
        const line = `[${checkoutName(p)}] ${stageLine(p.stage)}`;
        if (p.stage.state !== 'running' || verbose) process.stderr.write(`${line}\n`);
        else context.progress(line);
      },
      onLine: (dir, line) => {
        if (verbose) process.stderr.write(`  [${path.basename(dir)}] | ${line}\n`);
      },
    });
    context.progress('');
    for (const warning of result.release.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderReleaseBuild(result));
  } catch (err) {
    context.progress('');
    if (interrupt.token.isCancellationRequested && err instanceof CancelledError) {
      const n = positionals.length;
      throw interrupted(`every build was stopped (${n} checkout${n === 1 ? '' : 's'}) and no payload was pushed`);
    }
    if (err instanceof CheckoutBuildError && format === 'json') {
      process.stdout.write(`${JSON.stringify({ failedCheckout: err.dir, component: err.component, failedStage: err.stage, error: err.message, stages: err.stages }, null, 2)}\n`);
    }
    throw err;
  } finally {
    interrupt.dispose();
    await context.registry.close();
  }
}

/** Ctrl-C: a line that says what was left, and the shell's exit code for SIGINT. */
function interrupted(what: string): OkdError {
  return Object.assign(new OkdError('failed', `release build interrupted: ${what}`), { exitCode: 130 });
}

export function renderReleaseBuild(r: ReleaseBuildResult): string {
  const width = Math.max(...r.checkouts.map((c) => c.component.length));
  const changed = [...r.diff.changed, ...r.diff.rebuilt].map((c) => c.name).sort();
  const layers = r.checkouts.reduce((sum, c) => sum + (c.layer?.size ?? 0), 0);
  const lines = [
    `Built ${r.checkouts.length} checkout${r.checkouts.length === 1 ? '' : 's'} on ${r.diff.fromVersion}:`,
    ...r.checkouts.flatMap((c) => [
      `  ${c.component.padEnd(width)}  ${c.dir} at ${c.commit.slice(0, 7) || 'no commit'}${c.dirty ? ' (with local changes)' : ''}, ${c.builder}${c.fellBack ? ` (append path: ${c.fellBack})` : ''}`,
      `  ${''.padEnd(width)}  ${c.image}`,
    ]),
    '',
    `Pushed:    ${r.release.pullSpec}`,
    `Tag:       ${r.release.tagPullSpec}`,
    `Name:      ${r.release.name}`,
    `From:      ${r.release.from}`,
    `Checked:   read back; against the source ${changed.length} component${changed.length === 1 ? '' : 's'} changed (${changed.join(', ')}), nothing else`,
    `Uploaded:  ${r.uploadedBytes} bytes (new layers ${layers}, payload ${r.release.uploadedBytes})`,
    `Apply:     ${r.upgradeCommand}`,
  ];
  return `${lines.join('\n')}\n`;
}

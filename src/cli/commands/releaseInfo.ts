import { readRelease } from '../../core/release/reader';
import { type ImagesView, offlineWarning, renderReleaseInfo, toReleaseInfoJson } from '../../core/release/render';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release info PULLSPEC [--pullspecs|--commits|--commit-urls|--operators] [-o json]
  [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH]

Shows a release payload: its name, version, digest, metadata and component images, like \`oc adm release info\`.`;

export async function releaseInfo(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...registryOptions,
    output: { type: 'string', short: 'o' },
    pullspecs: { type: 'boolean' },
    commits: { type: 'boolean' },
    'commit-urls': { type: 'boolean' },
    operators: { type: 'boolean' },
  }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one PULLSPEC, got ${positionals.length}` : 'missing PULLSPEC', usage);
  const views = (['pullspecs', 'commits', 'commit-urls', 'operators'] as const).filter((view) => values[view]);
  if (views.length > 1) throw new UsageError(`--${views.join(' and --')} cannot be combined`, usage);
  const format = outputFormat(values.output, usage);
  const context = createContext(values);
  context.progress(`reading ${positionals[0]}...`);
  const release = await readRelease(positionals[0] as string, {
    registry: context.registry,
    cache: context.cache,
    platform: context.platform,
    platformChosen: context.platform !== undefined,
    logger: context.logger,
    allowOffline: true,
  });
  context.progress('');
  // The output marks it too (Warnings, "offline" in JSON), but that is easy to miss at the end of a long list.
  const offline = offlineWarning(release);
  if (offline) process.stderr.write(`warning: ${offline}\n`);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(toReleaseInfoJson(release), null, 2)}\n`);
    return;
  }
  const view: ImagesView = views[0] ?? 'digests';
  process.stdout.write(renderReleaseInfo(release, { view }));
}

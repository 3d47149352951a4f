import { EXTRACT_COMMANDS, extractCommand } from '../../core/release/extract';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release extract --command=openshift-install PULLSPEC [--to DIR] [-o json]
  [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH]

Writes DIR/openshift-install (default DIR: the current folder) from the release's installer image, like
\`oc adm release extract --command=openshift-install\`: the binary's release image, version and architecture
markers are set to this release, so the installer installs it by default. Only that one file is written.`;

export async function releaseExtract(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...registryOptions,
    command: { type: 'string' },
    to: { type: 'string' },
    output: { type: 'string', short: 'o' },
  }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one PULLSPEC, got ${positionals.length}` : 'missing PULLSPEC', usage);
  if (!values.command) throw new UsageError('missing --command (openshift-install)', usage);
  if (!EXTRACT_COMMANDS[values.command]) {
    throw new UsageError(`--command ${values.command} is not supported: choose ${Object.keys(EXTRACT_COMMANDS).join(' or ')}`, usage);
  }
  const format = outputFormat(values.output, usage);
  const context = createContext(values);
  const result = await extractCommand({
    registry: context.registry,
    cache: context.cache,
    from: positionals[0] as string,
    command: values.command,
    dir: values.to ?? '.',
    ...(context.platform ? { platform: context.platform } : {}),
    logger: context.logger,
    progress: context.progress,
  });
  await context.registry.close();
  for (const name of result.missing) process.stderr.write(`warning: ${result.file} has no ${name} marker; it was written unchanged there\n`);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const lines = [
    `Wrote ${result.file} (${result.size} bytes, mode 0755)`,
    `  from /${EXTRACT_COMMANDS[result.command]?.path ?? ''} in ${result.image} (${result.component}), layer ${result.layer.fromTop} of ${result.layer.of} from the top`,
    ...result.patched.map((p) => `  ${p.name}: ${p.value}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

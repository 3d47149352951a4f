import { fromAbortSignal } from '../../core/cancel';
import { OkdError } from '../../core/errors';
import { extractCommand } from '../../core/release/extract';
import { EXTRACT_COMMAND_NAMES, isExtractCommand, parseCommandOs } from '../../core/release/extractTargets';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release extract --command=openshift-install|oc PULLSPEC [--command-os OS[/ARCH]] [--to DIR]
  [-o json] [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH]

Writes DIR/openshift-install or DIR/oc (default DIR: the current folder; oc.exe for Windows) for this machine, or
for --command-os (linux, mac, windows, linux/arm64, linux/ppc64le, mac/arm64; an OS alone means OS/amd64), taken
from the image \`oc adm release extract\` takes it from: on Linux for the payload's architecture the cli or installer
image, otherwise cli-artifacts or installer-artifacts. The binary's markers are set to this release (the
installer's release image, version and architecture, so it installs this release by default; oc's version). Only
that one file is written, through a private temporary file that is renamed into place when complete.`;

export async function releaseExtract(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...registryOptions,
    command: { type: 'string' },
    'command-os': { type: 'string' },
    to: { type: 'string' },
    output: { type: 'string', short: 'o' },
  }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one PULLSPEC, got ${positionals.length}` : 'missing PULLSPEC', usage);
  if (!values.command) throw new UsageError(`missing --command (${EXTRACT_COMMAND_NAMES.join(' or ')})`, usage);
  if (!isExtractCommand(values.command)) {
    throw new UsageError(`--command ${values.command} is not supported: choose ${EXTRACT_COMMAND_NAMES.join(' or ')}`, usage);
  }
  const commandOs = values['command-os'];
  try {
    parseCommandOs(commandOs);
  } catch (err) {
    if (err instanceof OkdError && err.kind === 'invalid-input') throw new UsageError(err.describe(), usage);
    throw err;
  }
  const format = outputFormat(values.output, usage);
  const context = createContext(values);
  // Ctrl-C stops the download and removes the partial file instead of leaving it behind.
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await extractCommand({
      registry: context.registry,
      cache: context.cache,
      from: positionals[0] as string,
      command: values.command,
      ...(commandOs !== undefined ? { commandOs } : {}),
      dir: values.to ?? '.',
      ...(context.platform ? { platform: context.platform } : {}),
      token: fromAbortSignal(controller.signal),
      logger: context.logger,
      progress: context.progress,
    });
    for (const name of result.missing) process.stderr.write(`warning: ${result.file} has no ${name} marker; it was written unchanged there\n`);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const lines = [
      `Wrote ${result.file} (${result.size} bytes, mode 0755) for ${result.commandOs}`,
      `  from /${result.path} in ${result.image} (${result.component}), layer ${result.layer.fromTop} of ${result.layer.of} from the top`,
      ...result.patched.map((p) => `  ${p.name}: ${p.value}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    process.off('SIGINT', onSigint);
    await context.registry.close();
  }
}

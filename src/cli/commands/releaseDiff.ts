import { diffReleases } from '../../core/release/diff';
import { readRelease } from '../../core/release/reader';
import { renderReleaseDiff } from '../../core/release/render';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release diff FROM TO [--commits] [-o json] [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH]

Compares two release payloads like \`oc adm release info FROM TO\`: images changed (new commit), rebuilt (same
commit, new digest), added and removed, manifests changed, and whether TO lists FROM as an upgrade source.`;

export async function releaseDiff(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { ...registryOptions, output: { type: 'string', short: 'o' }, commits: { type: 'boolean' } }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 2) throw new UsageError(`expected FROM and TO, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`, usage);
  const format = outputFormat(values.output, usage);
  const context = createContext(values);
  const options = {
    registry: context.registry,
    cache: context.cache,
    platform: context.platform,
    platformChosen: context.platform !== undefined,
    logger: context.logger,
  };
  context.progress('reading both releases...');
  const [from, to] = await Promise.all([readRelease(positionals[0] as string, options), readRelease(positionals[1] as string, options)]);
  context.progress('');
  const diff = diffReleases(from, to);
  if (format === 'json') process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
  else process.stdout.write(renderReleaseDiff(from, to, diff, { commits: values.commits ?? false }));
}

import { parsePullspec } from '../../core/pullspec';
import { readRelease } from '../../core/release/reader';
import { findTagStream } from '../../core/releasecontroller/lookup';
import { renderResults, type ResultsReport, resultsJson } from '../../core/releasecontroller/render';
import { releaseTagPage } from '../../core/releasecontroller/results';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';
import { controllerClient, controllerOptions, controllerOptionsUsage } from './releaseControllerOptions';

const usage = `Usage: okd-dev release info TAG|PULLSPEC --results [--stream STREAM] [--controller URL] [-o json]

Shows what the release controller says about a release tag: its phase, the blocking and informing jobs with their
state and links, and the upgrades tested into and out of it (GET /api/v1/releasestream/STREAM/release/TAG).
TAG is the controller's tag name (4.19.0-okd-scos.16); a PULLSPEC stands for its tag, or, by digest, for the
version the payload carries (read from the registry). Without --stream, the stream that lists the tag is used.

${controllerOptionsUsage}`;

/** The tag a command-line argument names: a bare tag, a pullspec's tag, or the version of a payload by digest. */
async function tagOf(arg: string, values: Parameters<typeof createContext>[0]): Promise<string> {
  if (!/[/@:]/.test(arg)) return arg;
  const ref = parsePullspec(arg);
  if (ref.tag && !ref.digest) return ref.tag;
  const context = createContext(values);
  context.progress(`reading ${arg}...`);
  const release = await readRelease(arg, { registry: context.registry, cache: context.cache, logger: context.logger, allowOffline: true });
  context.progress('');
  return release.version;
}

export async function releaseResults(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...registryOptions, ...controllerOptions, results: { type: 'boolean' }, stream: { type: 'string' }, output: { type: 'string', short: 'o' } },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one TAG or PULLSPEC, got ${positionals.length}` : 'missing TAG or PULLSPEC', usage);
  const format = outputFormat(values.output, usage);
  const context = createContext(values);
  const client = controllerClient(values, context.logger);
  const tag = await tagOf(positionals[0] as string, values);
  const stream = values.stream ?? (await findTagStream(client, tag));
  const results = await client.releaseResults(stream, tag);
  const report: ResultsReport = { controller: client.baseUrl, stream, page: releaseTagPage(client.baseUrl, stream, results.name), results };
  process.stdout.write(format === 'json' ? `${JSON.stringify(resultsJson(report), null, 2)}\n` : renderResults(report));
}

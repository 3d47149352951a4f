import { CancelledError, fromAbortSignal } from '../../core/cancel';
import { readChangelog } from '../../core/changelog/changelog';
import { changelogJson, renderChangelogMarkdown, renderChangelogText } from '../../core/changelog/render';
import { OkdError } from '../../core/errors';
import { diffReleases } from '../../core/release/diff';
import { readRelease } from '../../core/release/reader';
import { renderReleaseDiff } from '../../core/release/render';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release diff FROM TO [--commits] [--changelog] [-o json|markdown] [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH]

Compares two release payloads like \`oc adm release info FROM TO\`: images changed (new commit), rebuilt (same
commit, new digest), added and removed, manifests changed, and whether TO lists FROM as an upgrade source.

--changelog also lists, per changed component, the pull requests merged between its two commits (like
\`oc adm release info --changelog\`), read from blobless clones kept under the cache dir and fetched only when a
commit is missing. -o markdown prints oc's markdown changelog.`;

export async function releaseDiff(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { ...registryOptions, output: { type: 'string', short: 'o' }, commits: { type: 'boolean' }, changelog: { type: 'boolean' } }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 2) throw new UsageError(`expected FROM and TO, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`, usage);
  const markdown = values.output === 'markdown';
  if (markdown && !values.changelog) throw new UsageError('-o markdown is the changelog\'s format: add --changelog', usage);
  const format = markdown ? 'markdown' : outputFormat(values.output, usage);
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
  if (!values.changelog) {
    if (format === 'json') process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
    else process.stdout.write(renderReleaseDiff(from, to, diff, { commits: values.commits ?? false }));
    return;
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let changelog;
  try {
    changelog = await readChangelog(diff, {
      cacheDir: context.cache.dir,
      token: fromAbortSignal(controller.signal),
      logger: context.logger,
      onProgress: (message, done, total) => context.progress(`changelog ${done}/${total}: ${message}`),
    });
  } catch (err) {
    // Ctrl+C: every git this run started is killed (its process group) before this is thrown.
    if (err instanceof CancelledError) throw new CancelledError('reading the changelog');
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    context.progress('');
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify(changelogJson(from, to, diff, changelog), null, 2)}\n`);
  else if (format === 'markdown') process.stdout.write(renderChangelogMarkdown(from, to, diff, changelog));
  else process.stdout.write(renderReleaseDiff(from, to, diff, { commits: values.commits ?? false }) + renderChangelogText(changelog));
  const failed = changelog.components.filter((c) => c.error);
  if (failed.length > 0) {
    for (const range of failed) process.stderr.write(`error: changelog of ${range.images.join(', ')}: ${range.error}\n`);
    throw new OkdError('failed', `the changelog of ${failed.length} of ${changelog.components.length} changed source ranges could not be read`, 'the others are listed above');
  }
}

import { OkdError } from '../../core/errors';
import { createRelease, type NewReleaseResult, parseReplacements } from '../../core/release/new';
import { outputFormat, parseCommandArgs, registryOptions } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release new --from-release OLD NAME=IMAGE... --to-image NEW [--name NAME] [--force] [-o json]
  [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH]

Builds a custom release payload like \`oc adm release new --from-release OLD NAME=IMAGE --to-image NEW\`: each
component NAME gets IMAGE (pinned by digest, marked io.openshift.release.override), manifests referencing the old
image reference the new one, and the payload is OLD's base layers (mounted, not uploaded again) plus one new
release-manifests/ layer. NEW without a tag is tagged with the release name, which defaults to OLD's version
plus -custom-<yyyymmddhhmm> (UTC). A multi-arch OLD needs --filter-by-os; an existing tag needs --force.`;

/** The options of commands that make a payload from another (`release new`, `release build`). */
export const newReleaseOptions = {
  ...registryOptions,
  'from-release': { type: 'string' },
  'to-image': { type: 'string' },
  name: { type: 'string' },
  force: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
} as const;

export function requireSourceAndTarget(values: { 'from-release'?: string; 'to-image'?: string }, usage: string): { from: string; to: string } {
  if (!values['from-release']) throw new UsageError('missing --from-release OLD', usage);
  if (!values['to-image']) throw new UsageError('missing --to-image NEW', usage);
  return { from: values['from-release'], to: values['to-image'] };
}

export async function releaseNew(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, newReleaseOptions, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const { from, to } = requireSourceAndTarget(values, usage);
  const format = outputFormat(values.output, usage);
  let replacements;
  try {
    replacements = parseReplacements(positionals);
  } catch (err) {
    if (err instanceof OkdError) throw new UsageError(err.describe(), usage);
    throw err;
  }
  const context = createContext(values);
  const result = await createRelease({
    registry: context.registry,
    cache: context.cache,
    from,
    replacements,
    to,
    ...(values.name !== undefined ? { name: values.name } : {}),
    force: values.force ?? false,
    ...(context.platform ? { platform: context.platform } : {}),
    logger: context.logger,
    progress: context.progress,
  });
  await context.registry.close();
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(renderNewRelease(result));
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

export function renderNewRelease(r: NewReleaseResult): string {
  const lines = [
    `Pushed:    ${r.pullSpec}`,
    `Tag:       ${r.tagPullSpec}`,
    `Name:      ${r.name}`,
    `From:      ${r.from}`,
    '',
    r.replaced.length ? 'Replaced:' : 'Replaced:  none (same images, new name)',
    ...r.replaced.flatMap((c) => [`  ${c.name}`, `    ${c.from}`, `    -> ${c.to}`]),
    '',
    `Manifests rewritten: ${r.manifestsChanged.length}${r.manifestsChanged.length ? ` (${r.manifestsChanged.join(', ')})` : ''}`,
    `Uploaded:  ${bytes(r.uploadedBytes)} (release-manifests layer ${bytes(r.layer.size)}, config, manifest${r.copiedBlobs ? `, ${r.copiedBlobs} copied base layers ${bytes(r.copiedBytes)}` : ''})`,
    `Base:      ${r.mountedBlobs} layers mounted, ${r.existingBlobs} already present, ${r.copiedBlobs} copied`,
  ];
  return `${lines.join('\n')}\n`;
}

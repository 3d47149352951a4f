import { describeError, isOkdError, OkdError } from '../../core/errors';
import { type ComponentImages, assertComponentImagesVerified, componentImagesJson, readComponentImages } from '../../core/release/componentImages';
import { renderContentsDiffHint, renderReleaseContents } from '../../core/release/contents';
import { diffReleases } from '../../core/release/diff';
import { imageFor, renderImageDigests, renderImageNames, renderImagePullspecs, renderVerifyLine } from '../../core/release/imageLists';
import type { Release } from '../../core/release/model';
import { readPayload, readRelease } from '../../core/release/reader';
import { type ImagesView, offlineWarning, renderReleaseDiff, renderReleaseInfo, toReleaseInfoJson } from '../../core/release/render';
import { renderReleaseSize } from '../../core/release/size';
import { parseCommandArgs, registryOptions } from '../args';
import { clusterBundle } from '../clusterBundle';
import { type CliContext, createContext } from '../context';
import { UsageError } from '../usage';

const usage = `Usage: okd-dev release info [PULLSPEC...] [--changes-from OLD] [-o json|name|pullspec|digest] [--include-images]
  [--pullspecs|--commits|--commit-urls|--operators|--size|--contents|--verify|--image-for NAME]
  [-a FILE] [--insecure] [--ca-file FILE] [--filter-by-os OS/ARCH] [--kubeconfig FILE] [--context NAME]

Shows a release payload like \`oc adm release info\`: its name, version, digest, metadata and component images.
With no PULLSPEC, the release the kubeconfig's cluster runs. With two (or --changes-from OLD), what changed from
the first to the second, as \`okd-dev release diff\`.
  --size             each image's age, layers, size and unique size; the payload's total counts shared layers once
  --contents         image-references, release-metadata and every manifest, each after a "# NAME" line
  --verify           one line per release (digest, created, name) once its manifest and every component image's
                     manifest and config matched their digests in the registry; an error otherwise
  --image-for NAME   the pullspec of one component image
  -o name|pullspec|digest   one component a line; -o json the whole release (--include-images adds each
                     component image's manifest layers and config as imageDetails)`;

const options = {
  ...registryOptions,
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'changes-from': { type: 'string' },
  'include-images': { type: 'boolean' },
  'image-for': { type: 'string' },
  pullspecs: { type: 'boolean' },
  commits: { type: 'boolean' },
  'commit-urls': { type: 'boolean' },
  operators: { type: 'boolean' },
  size: { type: 'boolean' },
  contents: { type: 'boolean' },
  verify: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

/** What a mode has to print from: the release, and what the mode asked to have read besides. */
interface ModeInput {
  image: string;
  release: Release;
  flags: Flags;
  images?: ComponentImages;
  files?: Record<string, string>;
}

interface Mode {
  /** Read every component image's manifest and config too. */
  images?: boolean | ((flags: Flags) => boolean);
  /** Read the payload's files (manifest texts). */
  files?: boolean;
  /** Read from the registry, never the cache or an offline copy. */
  fresh?: boolean;
  print(input: ModeInput): string | { text: string; errors: string[] };
}

const imagesView = (view: ImagesView): Mode => ({ print: ({ release }) => renderReleaseInfo(release, { view }) });

/** The view flags: at most one at a time, as in oc. A new view is one entry here and one in `options`. */
const views = {
  pullspecs: imagesView('pullspecs'),
  commits: imagesView('commits'),
  'commit-urls': imagesView('commit-urls'),
  operators: imagesView('operators'),
  size: { images: true, print: ({ release, images }) => renderReleaseSize(release, images as ComponentImages, new Date()) },
  contents: { files: true, print: ({ files }) => renderReleaseContents(files as Record<string, string>) },
  verify: {
    images: true,
    fresh: true,
    print: ({ release, images }) => {
      assertComponentImagesVerified(release, images as ComponentImages);
      return renderVerifyLine(release);
    },
  },
  'image-for': { print: ({ release, image, flags }) => `${imageFor(release, flags['image-for'] as string, image)}\n` },
} satisfies Record<string, Mode>;

type ViewFlag = keyof typeof views;

/** `-o` values (text is the default view). */
const outputs = {
  json: {
    images: (flags: Flags) => flags['include-images'] === true || flags.size === true,
    print: ({ release, images }) => {
      const json = toReleaseInfoJson(release);
      const out = images ? { ...json, imageDetails: componentImagesJson(release, images) } : json;
      return `${JSON.stringify(out, null, 2)}\n`;
    },
  },
  name: { print: ({ release }) => renderImageNames(release) },
  pullspec: { print: ({ release }) => renderImagePullspecs(release) },
  digest: { print: ({ release }) => renderImageDigests(release) },
} satisfies Record<string, Mode>;

type OutputFlag = keyof typeof outputs | 'text';

/** oc's precedence: --verify and --contents over -o, -o over --image-for, then the text views. */
function chooseMode(view: ViewFlag | undefined, output: OutputFlag): Mode {
  if (view === 'verify' || view === 'contents') return views[view];
  if (output !== 'text') return outputs[output];
  return view ? views[view] : imagesView('digests');
}

export async function releaseInfo(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseCommandArgs(argv, options, usage);
  if (flags.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const chosen = (Object.keys(views) as ViewFlag[]).filter((view) => flags[view] !== undefined && flags[view] !== false);
  if (chosen.length > 1) throw new UsageError(`only one of ${chosen.map((v) => `--${v}`).join(', ')} may be given`, usage);
  const view = chosen[0];
  const output = outputFlag(flags.output);
  if (flags['image-for'] !== undefined && output !== 'text') throw new UsageError('--output and --image-for may not both be given', usage);

  const context = createContext(flags);
  const images = positionals.length > 0 ? positionals : [await clusterRelease(flags)];
  // Two releases (or --changes-from) without --verify: what changed, as oc does.
  const from = flags['changes-from'] ?? (images.length === 2 && view !== 'verify' ? images[0] : undefined);
  if (from !== undefined && view !== 'verify') {
    const to = flags['changes-from'] !== undefined ? images : images.slice(1);
    if (to.length !== 1) throw new UsageError('give a single PULLSPEC to compare with --changes-from', usage);
    await printChanges(from, to[0] as string, view, output, context);
    return;
  }
  const mode = chooseMode(view, output);
  let failures = 0;
  for (const image of images) {
    try {
      await printRelease(image, mode, flags, context);
    } catch (err) {
      if (images.length === 1) throw err;
      failures++;
      process.stderr.write(`error: ${describeError(err)}\n`);
    }
  }
  if (failures > 0) throw new OkdError('failed', `${failures} of ${images.length} releases could not be shown`);
}

function outputFlag(value: string | undefined): OutputFlag {
  if (value === undefined || value === 'text') return 'text';
  if (value in outputs) return value as OutputFlag;
  throw new UsageError(`unknown output format '${value}': use -o ${Object.keys(outputs).join('|')}`, usage);
}

async function printRelease(image: string, mode: Mode, flags: Flags, context: CliContext): Promise<void> {
  const read = {
    registry: context.registry,
    ...(mode.fresh ? {} : { cache: context.cache, allowOffline: true }),
    platform: context.platform,
    platformChosen: context.platform !== undefined,
    logger: context.logger,
  };
  context.progress(`reading ${image}...`);
  const release = await readRelease(image, read);
  const input: ModeInput = { image, release, flags };
  const wantImages = typeof mode.images === 'function' ? mode.images(flags) : mode.images;
  if (wantImages) {
    context.progress(`reading the ${release.components.length} component images of ${image}...`);
    input.images = await readComponentImages(release, { registry: context.registry, platform: context.platform, logger: context.logger });
  }
  if (mode.files) input.files = (await readPayload(release.pullSpec, read)).files;
  context.progress('');
  // The output marks it too (Warnings, "offline" in JSON), but that is easy to miss at the end of a long list.
  const offline = offlineWarning(release);
  if (offline) process.stderr.write(`warning: ${offline}\n`);
  const printed = mode.print(input);
  const { text, errors } = typeof printed === 'string' ? { text: printed, errors: [] } : printed;
  process.stdout.write(text);
  for (const error of errors) process.stderr.write(`error: ${error}\n`);
  if (errors.length > 0) throw new OkdError('failed', `${errors.length} component images of ${image} could not be listed`);
}

async function printChanges(from: string, to: string, view: ViewFlag | undefined, output: OutputFlag, context: CliContext): Promise<void> {
  if (view === 'contents') {
    process.stdout.write(renderContentsDiffHint(from, to));
    return;
  }
  if (view !== undefined && view !== 'commits') throw new UsageError(`--${view} shows one release: it cannot be combined with --changes-from or a second PULLSPEC`, usage);
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o ${output} shows one release: it cannot be combined with --changes-from or a second PULLSPEC`, usage);
  const read = { registry: context.registry, cache: context.cache, platform: context.platform, platformChosen: context.platform !== undefined, logger: context.logger };
  context.progress('reading both releases...');
  const [older, newer] = await Promise.all([readRelease(from, read), readRelease(to, read)]);
  context.progress('');
  const diff = diffReleases(older, newer);
  process.stdout.write(output === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : renderReleaseDiff(older, newer, diff, { commits: view === 'commits' }));
}

/** No PULLSPEC: the release the kubeconfig's cluster runs, as oc finds it. */
async function clusterRelease(flags: Flags): Promise<string> {
  try {
    return await clusterBundle().currentReleaseImage(flags);
  } catch (err) {
    const e = isOkdError(err) ? err : undefined;
    const hint = e?.hint ? `${e.hint}, or pass a release PULLSPEC` : 'pass a release PULLSPEC, or connect to a cluster (--kubeconfig, KUBECONFIG or ~/.kube/config)';
    throw new OkdError(e?.kind ?? 'failed', `release info without a PULLSPEC shows the connected cluster's release, which could not be read: ${e?.message ?? describeError(err)}`, hint, { cause: err });
  }
}

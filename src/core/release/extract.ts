import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CancellationTokenLike } from '../cancel';
import { CancelledError, throwIfCancelled, toAbortSignal } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { digestPullspec, parsePullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from './cache';
import { PartialFile } from './extractFile';
import { searchLayer } from './extractLayers';
import { checkMarkerValues, MarkerPatcher, type MarkerSlot, type MarkerValue, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from './extractMarkers';
import {
  type CommandPlatform,
  commandOsValues,
  EXTRACT_COMMAND_NAMES,
  EXTRACT_TARGETS,
  type ExtractTarget,
  isExtractCommand,
  parseCommandOs,
  platformLabel,
  RELEASE_ARCH,
  selectTarget,
  targetFileName,
  targetPlatform,
} from './extractTargets';
import { readPayload, releaseFromPayload } from './reader';

/** What `--command` extracts on Linux for the payload's architecture: the payload tag, the path, the slots. */
interface CommandSpec {
  component: string;
  path: string;
  slots: MarkerSlot[];
}

/** The Linux (payload architecture) target of each command; the other platforms are in `EXTRACT_TARGETS`. */
export const EXTRACT_COMMANDS: Readonly<Record<string, CommandSpec>> = Object.fromEntries(
  EXTRACT_COMMAND_NAMES.map((name) => {
    const t = EXTRACT_TARGETS.find((x) => x.command === name && x.os === 'linux' && x.arch === RELEASE_ARCH) as ExtractTarget;
    return [name, { component: t.image, path: t.path, slots: t.slots }];
  }),
);

export interface ExtractCommandOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  /** The release payload. */
  from: string;
  /** `openshift-install` or `oc`. */
  command: string;
  /** oc's `--command-os`: `linux`, `mac`, `windows`, `linux/arm64`, `mac/arm64`...; default this machine. */
  commandOs?: string;
  /** This machine, in Go's names (tests); default from `process.platform` and `process.arch`. */
  host?: CommandPlatform;
  /** The folder to write into (created if missing); only `<dir>/<command>` (`.exe` for Windows) is written. */
  dir: string;
  platform?: Platform;
  token?: CancellationTokenLike;
  logger?: Logger;
  progress?: (message: string) => void;
}

export interface ExtractCommandResult {
  file: string;
  size: number;
  command: string;
  /** The platform the binary is for, as `--command-os` spells it: `linux/amd64`, `mac/arm64`. */
  commandOs: string;
  component: string;
  /** The file's path in the component image. */
  path: string;
  /** The component image by digest. */
  image: string;
  /** The layer that held the file, and its position counted from the top (1 = top layer). */
  layer: { digest: string; fromTop: number; of: number };
  /** The values written into the binary: release image, version, architecture. */
  patched: { name: string; value: string }[];
  /** Slots not found in the binary (oc warns and writes the file anyway). */
  missing: string[];
}

/**
 * `oc adm release extract --command=oc|openshift-install [--command-os=...]`: picks the target oc would for that
 * OS and architecture (Linux on the payload's architecture from `cli`/`installer`, the others from
 * `cli-artifacts`/`installer-artifacts`), copies the file from its image reading layers from the top down and
 * honouring whiteouts, streams it through the marker patcher (release image by digest, version, architecture)
 * into an exclusive temporary file in `dir`, and renames it executable into place.
 */
export async function extractCommand(options: ExtractCommandOptions): Promise<ExtractCommandResult> {
  const command = options.command;
  if (!isExtractCommand(command)) {
    throw new OkdError('invalid-input', `--command ${command} is not supported`, `choose one of ${EXTRACT_COMMAND_NAMES.join(', ')}`);
  }
  const want = parseCommandOs(options.commandOs, options.host);
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? (() => undefined);
  const token = options.token;
  const registry = options.registry;
  const ref = parsePullspec(options.from);

  progress(`reading ${options.from}...`);
  const payload = await readPayload(ref, {
    registry,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(token ? { token } : {}),
    logger,
  });
  const release = releaseFromPayload(payload, { platformChosen: options.platform !== undefined });
  const target = selectTarget(command, want, payload.architecture);
  if (!target) {
    throw new OkdError(
      'not-found',
      `oc extracts no ${command} for ${platformLabel(want)} (the payload is for ${payload.architecture})`,
      `--command-os takes ${commandOsValues(command).join(', ')} for ${command}`,
    );
  }
  const forLabel = platformLabel(targetPlatform(target, payload.architecture));
  // oc pins the installer to the manifest list when there is one, so the tool serves every architecture.
  const releaseImage = digestPullspec(ref, payload.listDigest ?? payload.digest);
  const platformText = `${payload.os}/${payload.architecture}`;
  const values: Record<string, string> = {
    [RELEASE_IMAGE_SLOT.name]: releaseImage,
    [RELEASE_VERSION_SLOT.name]: release.version,
    [RELEASE_ARCHITECTURE_SLOT.name]: payload.listDigest ? `multi (${platformText})` : platformText,
  };
  const markerValues: MarkerValue[] = target.slots.map((slot) => ({ slot, value: values[slot.name] ?? '' }));
  checkMarkerValues(markerValues, `${target.path} of ${command}`);

  const component = release.components.find((c) => c.name === target.image);
  if (!component) {
    const others = EXTRACT_TARGETS.filter((t) => t.command === command && t.image !== target.image && release.components.some((c) => c.name === t.image));
    const has = [...new Set(others.map((t) => t.image))].map((image) => `${image} (for ${others.filter((t) => t.image === image).map((t) => platformLabel(targetPlatform(t, payload.architecture))).join(', ')})`);
    const list = `\`okd-dev release info ${options.from}\` lists its images`;
    throw new OkdError(
      'not-found',
      `release ${options.from} has no ${target.image} image, which holds ${command} for ${forLabel}`,
      has.length ? `of the images oc takes ${command} from, it has ${has.join(', ')}; ${list}` : list,
    );
  }
  const imageRef = parsePullspec(component.pullSpec);
  const platform: Platform = { os: payload.os, architecture: payload.architecture };
  const image = await registry.resolveImage(imageRef.registry, imageRef.repository, imageRef.digest ?? imageRef.tag ?? 'latest', { platform }, token);
  const imageByDigest = digestPullspec(imageRef, image.digest);
  const layers = image.manifest.layers;
  // The image's other files at oc's paths, so a missing one can be answered with what the image does have.
  const siblings = EXTRACT_TARGETS.filter((t) => t.command === command && t.image === target.image && t !== target);
  const available = new Set<string>();
  const gone = new Set<string>();

  await fs.mkdir(options.dir, { recursive: true });
  const file = path.join(path.resolve(options.dir), targetFileName(target));
  const abort = toAbortSignal(token);
  let partial: PartialFile | undefined;
  try {
    for (let i = layers.length - 1; i >= 0; i--) {
      throwIfCancelled(token, `extracting ${command}`);
      const layer = layers[i] as (typeof layers)[number];
      const fromTop = layers.length - i;
      progress(`reading layer ${fromTop}/${layers.length} of ${target.image} (${layer.size} bytes)...`);
      let patcher: MarkerPatcher | undefined;
      let size = 0;
      const stream = await registry.openBlob(imageRef.registry, imageRef.repository, layer, token);
      const verdict = await searchLayer(stream, {
        mediaType: layer.mediaType,
        layer: `${layer.digest} of ${imageByDigest}`,
        target: target.path,
        watch: siblings.map((t) => t.path),
        signal: abort.signal,
        consume: async (content, declared) => {
          patcher = new MarkerPatcher(markerValues);
          partial = await PartialFile.create(file);
          await pipeline(content, patcher, partial.stream(), { signal: abort.signal });
          size = await partial.size();
          if (size !== declared) throw new OkdError('integrity', `${target.path} in layer ${layer.digest} is ${size} bytes, its tar header says ${declared}`);
        },
      });
      for (const p of verdict.seen) if (!gone.has(p)) available.add(p);
      for (const p of verdict.hides) gone.add(p);
      if (verdict.found && patcher && partial) {
        throwIfCancelled(token, `extracting ${command}`);
        await partial.commit();
        progress('');
        return {
          file,
          size,
          command,
          commandOs: forLabel,
          component: target.image,
          path: target.path,
          image: imageByDigest,
          layer: { digest: layer.digest, fromTop, of: layers.length },
          patched: patcher.patched.map(({ name, value }) => ({ name, value })),
          missing: patcher.missing,
        };
      }
      if (verdict.hidden !== undefined) {
        throw new OkdError(
          'not-found',
          `${target.path} is deleted in ${imageByDigest}: layer ${fromTop} from the top has a whiteout for ${verdict.hidden}`,
          `the ${target.image} image does not provide ${command}${target.image.endsWith('-artifacts') ? ` for ${forLabel}` : ''}`,
        );
      }
    }
  } catch (err) {
    await partial?.discard();
    if (token?.isCancellationRequested && !(err instanceof CancelledError)) throw new CancelledError(`extracting ${command}`);
    throw err;
  } finally {
    abort.dispose();
  }
  const has = siblings.filter((t) => available.has(t.path)).map((t) => platformLabel(targetPlatform(t, payload.architecture)));
  if (target.image.endsWith('-artifacts')) {
    throw new OkdError(
      'not-found',
      `${imageByDigest} (${target.image}) has no ${target.path}: this release ships no ${command} for ${forLabel}`,
      has.length ? `its ${target.image} image has ${command} for ${has.join(', ')}` : `its ${target.image} image has ${command} for no platform at oc's paths`,
    );
  }
  throw new OkdError('not-found', `${imageByDigest} (${target.image}) has no ${target.path}`, `the ${target.image} image of this release does not provide ${command}`);
}

import { promises as fs, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CancellationTokenLike } from '../cancel';
import { throwIfCancelled } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { digestPullspec, parsePullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from './cache';
import { searchLayer } from './extractLayers';
import { checkMarkerValues, MarkerPatcher, type MarkerSlot, type MarkerValue, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from './extractMarkers';
import { readPayload, releaseFromPayload } from './reader';

/** What `--command` can extract: the payload component whose image holds it, the path, and the slots oc fills. */
interface CommandSpec {
  component: string;
  path: string;
  slots: MarkerSlot[];
}

export const EXTRACT_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  'openshift-install': { component: 'installer', path: 'usr/bin/openshift-install', slots: [RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT, RELEASE_ARCHITECTURE_SLOT] },
  oc: { component: 'cli', path: 'usr/bin/oc', slots: [RELEASE_VERSION_SLOT] },
};

export interface ExtractCommandOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  /** The release payload. */
  from: string;
  /** `openshift-install` (or `oc`). */
  command: string;
  /** The folder to write into (created if missing); only `<dir>/<command>` is written. */
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
  component: string;
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
 * `oc adm release extract --command=openshift-install`: copies the command from its component image, reading
 * layers from the top down and honouring whiteouts, streams it through the marker patcher (release image by
 * digest, version, architecture) into a temporary file in `dir`, and renames it executable into place.
 */
export async function extractCommand(options: ExtractCommandOptions): Promise<ExtractCommandResult> {
  const spec = EXTRACT_COMMANDS[options.command];
  if (!spec) {
    throw new OkdError('invalid-input', `--command ${options.command} is not supported`, `choose one of ${Object.keys(EXTRACT_COMMANDS).join(', ')}`);
  }
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
  // oc pins the installer to the manifest list when there is one, so the tool serves every architecture.
  const releaseImage = digestPullspec(ref, payload.listDigest ?? payload.digest);
  const platformText = `${payload.os}/${payload.architecture}`;
  const values: Record<string, string> = {
    [RELEASE_IMAGE_SLOT.name]: releaseImage,
    [RELEASE_VERSION_SLOT.name]: release.version,
    [RELEASE_ARCHITECTURE_SLOT.name]: payload.listDigest ? `multi (${platformText})` : platformText,
  };
  const markerValues: MarkerValue[] = spec.slots.map((slot) => ({ slot, value: values[slot.name] ?? '' }));
  checkMarkerValues(markerValues, `${spec.path} of ${options.command}`);

  const component = release.components.find((c) => c.name === spec.component);
  if (!component) {
    throw new OkdError('not-found', `release ${options.from} has no ${spec.component} image, which holds ${options.command}`, `\`okd-dev release info ${options.from}\` lists its images`);
  }
  const imageRef = parsePullspec(component.pullSpec);
  const platform: Platform = { os: payload.os, architecture: payload.architecture };
  const image = await registry.resolveImage(imageRef.registry, imageRef.repository, imageRef.digest ?? imageRef.tag ?? 'latest', { platform }, token);
  const imageByDigest = digestPullspec(imageRef, image.digest);
  const layers = image.manifest.layers;

  await fs.mkdir(options.dir, { recursive: true });
  const file = path.join(path.resolve(options.dir), options.command);
  const temp = path.join(path.resolve(options.dir), `.${options.command}.${process.pid}.partial`);
  try {
    for (let i = layers.length - 1; i >= 0; i--) {
      throwIfCancelled(token, `extracting ${options.command}`);
      const layer = layers[i] as (typeof layers)[number];
      const fromTop = layers.length - i;
      progress(`reading layer ${fromTop}/${layers.length} of ${spec.component} (${layer.size} bytes)...`);
      let patcher: MarkerPatcher | undefined;
      let size = 0;
      const stream = await registry.openBlob(imageRef.registry, imageRef.repository, layer, token);
      const verdict = await searchLayer(stream, {
        mediaType: layer.mediaType,
        layer: `${layer.digest} of ${imageByDigest}`,
        target: spec.path,
        consume: async (content, declared) => {
          patcher = new MarkerPatcher(markerValues);
          await pipeline(content, patcher, createWriteStream(temp, { mode: 0o755 }));
          size = (await fs.stat(temp)).size;
          if (size !== declared) throw new OkdError('integrity', `${spec.path} in layer ${layer.digest} is ${size} bytes, its tar header says ${declared}`);
        },
      });
      if (verdict.found && patcher) {
        await fs.chmod(temp, 0o755);
        await fs.rename(temp, file);
        progress('');
        return {
          file,
          size,
          command: options.command,
          component: spec.component,
          image: imageByDigest,
          layer: { digest: layer.digest, fromTop, of: layers.length },
          patched: patcher.patched.map(({ name, value }) => ({ name, value })),
          missing: patcher.missing,
        };
      }
      if (verdict.hidden !== undefined) {
        throw new OkdError(
          'not-found',
          `${spec.path} is deleted in ${imageByDigest}: layer ${fromTop} from the top has a whiteout for ${verdict.hidden}`,
          `the ${spec.component} image does not provide ${options.command}`,
        );
      }
    }
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  throw new OkdError('not-found', `${imageByDigest} (${spec.component}) has no ${spec.path}`, `the ${spec.component} image of this release does not provide ${options.command}`);
}

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { Logger } from '../log';
import { digestPullspec, type Pullspec, tryParsePullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import { readSourceImage, type SourceImage } from './append';
import { containerBuildCommand, containerPushCommand, containerRemoveImageCommand, type ContainerToolSettings, parseDockerPushDigest, type RegistryAccess } from './container';
import { finalBaseImage, parseFromInstructions, rewriteDockerfile } from './dockerfile';
import { type KnownLayer, pushOciLayout, readOciLayout } from './ocilayout';
import { runCommand } from './runner';
import type { ContainerTool } from './tools';

export interface ContainerBuildOptions {
  tool: ContainerTool;
  settings: ContainerToolSettings;
  access: RegistryAccess;
  root: string;
  /** Relative to root. */
  dockerfile: string;
  /** Temporary folder for the rewritten Dockerfile, digest file and OCI layout. */
  tempDir: string;
  /** Destination: the dev repository and tag. */
  to: Pick<Pullspec, 'registry' | 'repository'>;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  baseImage?: string;
  builderImage?: string;
  platform?: Platform;
  token?: CancellationTokenLike;
  logger?: Logger;
  onLine?: (line: string) => void;
}

export interface BuiltContainerImage {
  tool: ContainerTool;
  /** The name the tool knows the image by. */
  localName: string;
  /** The Dockerfile actually built (a temporary copy when a base or builder image was replaced). */
  dockerfile: string;
  /** The final stage's base image, when it is one (not scratch, not a stage). */
  baseImage?: string;
}

/** The local image name: docker must build with the destination's name to push it; the others use localhost/. */
export function localImageName(tool: ContainerTool, to: Pick<Pullspec, 'registry' | 'repository'>, tag: string): string {
  return tool === 'docker' ? `${to.registry}/${to.repository}:${tag}` : `localhost/okd-dev/${to.repository.split('/').pop()}:${tag}`;
}

export async function buildContainerImage(options: ContainerBuildOptions): Promise<BuiltContainerImage> {
  const original = path.join(options.root, options.dockerfile);
  let text: string;
  try {
    text = await fs.readFile(original, 'utf8');
  } catch (err) {
    throw new OkdError('not-found', `cannot read ${original}: ${(err as Error).message}`, 'choose a Dockerfile of the repository (--dockerfile)', { cause: err });
  }
  if (!parseFromInstructions(text).length) throw new OkdError('invalid-input', `${original} has no FROM instruction`);
  let dockerfile = original;
  if (options.baseImage || options.builderImage) {
    text = rewriteDockerfile(text, { baseImage: options.baseImage, builderImage: options.builderImage });
    dockerfile = path.join(options.tempDir, path.basename(options.dockerfile));
    await fs.writeFile(dockerfile, text);
  }
  const baseImage = finalBaseImage(text, options.buildArgs);
  const pullRegistries = parseFromInstructions(text)
    .map((f) => tryParsePullspec(f.image)?.registry)
    .filter((r): r is string => !!r);
  const localName = localImageName(options.tool, options.to, options.tag);
  const cmd = containerBuildCommand(options.tool, options.settings, options.access, {
    contextDir: options.root,
    dockerfile,
    tag: localName,
    buildArgs: options.buildArgs,
    labels: options.labels,
    pullRegistries,
    ...(options.platform ? { platform: `${options.platform.os}/${options.platform.architecture}` } : {}),
  });
  await runCommand(cmd, { token: options.token, logger: options.logger, onLine: options.onLine, what: `${options.tool} build`, captureStdout: false });
  return { tool: options.tool, localName, dockerfile, ...(baseImage ? { baseImage } : {}) };
}

export interface ContainerPushOptions extends Omit<ContainerBuildOptions, 'root' | 'dockerfile' | 'buildArgs' | 'labels' | 'builderImage' | 'baseImage'> {
  image: BuiltContainerImage;
  pushWith: 'tool' | 'client';
  client: RegistryClient;
  /** Images whose layers the destination registry may hold (the component image): mounted, not uploaded. */
  knownImages?: SourceImage[];
}

export interface PushedContainerImage {
  pullSpec: string;
  digest: string;
  /** Bytes our client uploaded (pushWith client). */
  uploadedBytes?: number;
}

async function knownLayers(options: ContainerPushOptions): Promise<KnownLayer[]> {
  const images = [...(options.knownImages ?? [])];
  const base = options.image.baseImage ? tryParsePullspec(options.image.baseImage) : undefined;
  if (base) {
    try {
      images.push(await readSourceImage(options.client, base, options.platform, options.token));
    } catch (err) {
      options.logger?.debug(`cannot read the base image ${options.image.baseImage}: ${(err as Error).message}; its layers are uploaded`);
    }
  }
  return images.flatMap((img) =>
    img.manifest.layers.map((descriptor, i) => ({ diffId: img.config.rootfs.diff_ids[i] ?? '', descriptor, registry: img.ref.registry, repository: img.ref.repository })),
  );
}

/** Pushes the built image to the dev repository and returns its digest pullspec; removes the local image after. */
export async function pushContainerImage(options: ContainerPushOptions): Promise<PushedContainerImage> {
  const { tool, settings, access, to, tag, image } = options;
  const run = { token: options.token, logger: options.logger, onLine: options.onLine };
  let result: PushedContainerImage;
  try {
    if (tool === 'docker') {
      const out = await runCommand(containerPushCommand(tool, settings, access, { image: image.localName, destination: image.localName }), { ...run, what: 'docker push' });
      const digest = parseDockerPushDigest(out.stdout);
      if (!digest) throw new OkdError('failed', `docker push ${image.localName} printed no digest`);
      result = { pullSpec: digestPullspec(to, digest), digest };
    } else if (options.pushWith === 'tool') {
      const digestFile = path.join(options.tempDir, 'digest');
      await runCommand(
        containerPushCommand(tool, settings, access, { image: image.localName, destination: `docker://${to.registry}/${to.repository}:${tag}`, digestFile, registry: to.registry }),
        { ...run, what: `${tool} push` },
      );
      const digest = (await fs.readFile(digestFile, 'utf8')).trim();
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new OkdError('failed', `${tool} push wrote no digest to ${digestFile}`);
      result = { pullSpec: digestPullspec(to, digest), digest };
    } else {
      const layout = path.join(options.tempDir, 'oci');
      await runCommand(containerPushCommand(tool, settings, access, { image: image.localName, destination: `oci:${layout}` }), { ...run, what: `${tool} push oci:` });
      const known = await knownLayers(options);
      const pushed = await pushOciLayout(options.client, readOciLayout(layout), to, tag, known, options.token);
      options.onLine?.(`pushed ${pushed.pullSpec}: ${pushed.reused} base layer(s) reused by diff_id, ${pushed.uploadedBytes} bytes uploaded`);
      result = { pullSpec: pushed.pullSpec, digest: pushed.digest, uploadedBytes: pushed.uploadedBytes };
    }
  } finally {
    if (tool !== 'docker') {
      await runCommand(containerRemoveImageCommand(tool, settings, image.localName), { logger: options.logger, what: `${tool} rmi` }).catch(() => undefined);
    }
  }
  return result;
}

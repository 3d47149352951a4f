import { buildLayer, type LayerBlob } from '../../../src/core/image/layer';
import { pushImage } from '../../../src/core/image/push';
import type { RegistryClient } from '../../../src/core/registry/client';
import { type ImageConfig, MediaTypes } from '../../../src/core/registry/types';
import { installerSlotBytes, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from '../../../src/core/release/extractMarkers';
import type { FixtureTag } from '../payload/manifests';

export interface ComponentImageOptions {
  client: RegistryClient;
  registry: string;
  /** Repository for the component images, like quay.io/okd/scos-content. */
  repository: string;
  /** Extra files for one component's image (the installer's openshift-install binary, say). */
  extraFiles?: Record<string, { path: string; content: Buffer; mode?: number }[]>;
}

/** Where the sandbox's stand-in openshift-install carries its three slots. */
export const STAND_IN_INSTALLER_SLOTS = { image: 1024, version: 2048, architecture: 3072 };

/** A small "openshift-install" (a shell script, then NUL padding) with the installer's NUL-padded slots. */
export function standInInstallerBinary(): Buffer {
  const data = Buffer.alloc(4096);
  data.write('#!/bin/sh\necho "openshift-install (okd-dev sandbox stand-in)"\nexit 0\n', 0, 'latin1');
  installerSlotBytes(RELEASE_IMAGE_SLOT).copy(data, STAND_IN_INSTALLER_SLOTS.image);
  installerSlotBytes(RELEASE_VERSION_SLOT).copy(data, STAND_IN_INSTALLER_SLOTS.version);
  installerSlotBytes(RELEASE_ARCHITECTURE_SLOT).copy(data, STAND_IN_INSTALLER_SLOTS.architecture);
  return data;
}

let sharedBase: Promise<LayerBlob> | undefined;
/** registry/repository/name/commit -> digest pullspec, so unchanged components are pushed once. */
const pushed = new Map<string, string>();

/**
 * Pushes a small image per component (a shared base layer plus one layer with `/usr/bin/<name>`) carrying the
 * build labels the release tooling copies, and returns the tags pointing at them by digest. Unchanged components
 * (same name and commit) get the same image, so two payloads share most of their images as real ones do.
 */
export async function pushComponentImages(tags: FixtureTag[], options: ComponentImageOptions): Promise<FixtureTag[]> {
  sharedBase ??= buildLayer([{ path: 'etc/os-release', content: Buffer.from('NAME="CentOS Stream"\nVERSION="9"\nID="centos"\n') }]);
  const base = await sharedBase;
  const pushOne = async (tag: FixtureTag): Promise<FixtureTag> => {
    const commit = tag.annotations['io.openshift.build.commit.id'] ?? '';
    const key = `${options.registry}/${options.repository}/${tag.name}/${commit}`;
    const known = pushed.get(key);
    if (known && !options.extraFiles?.[tag.name]) return { ...tag, annotations: { ...tag.annotations }, from: { kind: 'DockerImage', name: known } };
    const source = tag.annotations['io.openshift.build.source-location'] ?? '';
    const layer = await buildLayer([
      { path: `usr/bin/${tag.name}`, content: Buffer.from(`#!/bin/sh\necho ${tag.name} ${commit}\n`), mode: 0o755 },
      ...(options.extraFiles?.[tag.name] ?? []),
    ]);
    const config: ImageConfig = {
      created: '2026-11-01T10:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: {
        Entrypoint: [`/usr/bin/${tag.name}`],
        Labels: {
          'io.openshift.build.commit.id': commit,
          'io.openshift.build.source-location': source,
          'io.openshift.build.name': tag.name,
          ...(tag.name.endsWith('-operator') ? { 'io.openshift.release.operator': 'true' } : {}),
        },
      },
      rootfs: { type: 'layers', diff_ids: [base.diffId, layer.diffId] },
    };
    const image = await pushImage(options.client, options.registry, options.repository, `${tag.name}-${(commit || 'none').slice(0, 12)}`, {
      format: 'oci',
      config,
      layers: [
        { descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: base.digest, size: base.size }, diffId: base.diffId, data: base.data },
        { descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: layer.digest, size: layer.size }, diffId: layer.diffId, data: layer.data },
      ],
    });
    const pullSpec = `${options.registry}/${options.repository}@${image.digest}`;
    pushed.set(key, pullSpec);
    return { ...tag, annotations: { ...tag.annotations }, from: { kind: 'DockerImage', name: pullSpec } };
  };
  // A few at a time: the registry is local, and one base blob upload must land before the others find it.
  const out: FixtureTag[] = [];
  if (tags[0]) out.push(await pushOne(tags[0]));
  for (let i = 1; i < tags.length; i += 8) out.push(...(await Promise.all(tags.slice(i, i + 8).map(pushOne))));
  return out;
}

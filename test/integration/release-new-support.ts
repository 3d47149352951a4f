// Shared set-up for the release new / extract integration tests (not a test file itself).
import { randomBytes } from 'node:crypto';
import { buildLayer, type LayerEntry } from '../../src/core/image/layer';
import { pushImage } from '../../src/core/image/push';
import type { RegistryClient } from '../../src/core/registry/client';
import { type ImageConfig, MediaTypes } from '../../src/core/registry/types';
import { installerSlotBytes, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from '../../src/core/release/extractMarkers';

/** Where the stand-in installer carries its slots: 4 KiB-aligned, one straddling a 64 KiB read boundary. */
export const SLOT_OFFSETS = { image: 40 * 4096, version: 8 * 65536 - 20, architecture: 200 * 4096 };

/** A ~1 MB random "openshift-install" with the installer's three NUL-padded slots. */
export function standInInstaller(size = 1024 * 1024): Buffer {
  const data = randomBytes(size);
  installerSlotBytes(RELEASE_IMAGE_SLOT).copy(data, SLOT_OFFSETS.image);
  installerSlotBytes(RELEASE_VERSION_SLOT).copy(data, SLOT_OFFSETS.version);
  installerSlotBytes(RELEASE_ARCHITECTURE_SLOT).copy(data, SLOT_OFFSETS.architecture);
  return data;
}

/** The NUL-terminated string in a slot. */
export function slotValue(binary: Buffer, offset: number): string {
  return binary.subarray(offset, binary.indexOf(0, offset)).toString('utf8');
}

/** Pushes an image whose layers are the given entry lists (bottom first); returns its digest pullspec. */
export async function pushLayeredImage(
  client: RegistryClient,
  registry: string,
  repository: string,
  tag: string,
  layers: LayerEntry[][],
  labels: Record<string, string> = {},
): Promise<string> {
  const blobs = await Promise.all(layers.map((entries) => buildLayer(entries)));
  const config: ImageConfig = {
    created: '2026-11-01T10:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: labels },
    rootfs: { type: 'layers', diff_ids: blobs.map((b) => b.diffId) },
  };
  const image = await pushImage(client, registry, repository, tag, {
    format: 'oci',
    config,
    layers: blobs.map((b) => ({ descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: b.digest, size: b.size }, diffId: b.diffId, data: b.data })),
  });
  return `${registry}/${repository}@${image.digest}`;
}

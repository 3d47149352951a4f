// Component images holding the client tools at the paths `oc adm release extract` reads them from: `cli`
// (/usr/bin/oc), `cli-artifacts` (/usr/share/openshift/<mac|mac_arm64|linux_amd64|linux_arm64|windows>/oc[.exe]),
// `installer` (/usr/bin/openshift-install) and `installer-artifacts` (/usr/share/openshift/<...>/openshift-install).
import { createHash } from 'node:crypto';
import { buildLayer } from '../../../src/core/image/layer';
import { pushImage } from '../../../src/core/image/push';
import type { RegistryClient } from '../../../src/core/registry/client';
import { type ImageConfig, MediaTypes } from '../../../src/core/registry/types';
import { installerSlotBytes, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from '../../../src/core/release/extractMarkers';
import type { FixtureTag } from './manifests';

/** Where every stand-in tool carries its slots (oc has only the version slot, as the real oc). */
export const TOOL_SLOTS = { image: 4096, version: 12_000, architecture: 20_000 };
const TOOL_SIZE = 32 * 1024;

/** The files of each tool image, by payload tag. */
export const TOOL_FILES: Record<string, string[]> = {
  cli: ['usr/bin/oc'],
  'cli-artifacts': [
    'usr/share/openshift/mac/oc',
    'usr/share/openshift/mac_arm64/oc',
    'usr/share/openshift/linux_amd64/oc',
    'usr/share/openshift/linux_arm64/oc',
    'usr/share/openshift/windows/oc.exe',
  ],
  installer: ['usr/bin/openshift-install'],
  'installer-artifacts': [
    'usr/share/openshift/mac/openshift-install',
    'usr/share/openshift/mac_arm64/openshift-install',
    'usr/share/openshift/linux_amd64/openshift-install',
    'usr/share/openshift/linux_arm64/openshift-install',
  ],
};

/** A stand-in binary that says which file it is, with the slots its command has, the rest filled by a hash. */
export function standInTool(file: string): Buffer {
  const data = Buffer.alloc(TOOL_SIZE);
  for (let at = 0, n = 0; at < TOOL_SIZE; at += 32, n++) createHash('sha256').update(`${file}#${n}`).digest().copy(data, at);
  data.write(`stand-in ${file}\0`, 0, 'latin1');
  const installer = file.endsWith('openshift-install');
  if (installer) installerSlotBytes(RELEASE_IMAGE_SLOT).copy(data, TOOL_SLOTS.image);
  installerSlotBytes(RELEASE_VERSION_SLOT).copy(data, TOOL_SLOTS.version);
  if (installer) installerSlotBytes(RELEASE_ARCHITECTURE_SLOT).copy(data, TOOL_SLOTS.architecture);
  return data;
}

export interface ToolImagesOptions {
  client: RegistryClient;
  registry: string;
  repository: string;
  /** Files to leave out (paths as in TOOL_FILES), to make a release that lacks a platform. */
  omit?: string[];
  /** Tags to leave out of the returned list (the release then has no such image). */
  omitImages?: string[];
}

export interface ToolImages {
  /** fixtureTags() with the tool tags pointing at the pushed images (minus omitImages). */
  tags: FixtureTag[];
  /** Tag -> digest pullspec. */
  images: Record<string, string>;
}

/** Pushes the four tool images (a base layer, then one layer with the tools) and returns the payload tags. */
export async function pushToolImages(fixture: FixtureTag[], options: ToolImagesOptions): Promise<ToolImages> {
  const base = await buildLayer([{ path: 'etc/os-release', content: Buffer.from('NAME="CentOS Stream"\nVERSION="9"\n') }]);
  const images: Record<string, string> = {};
  for (const [tag, files] of Object.entries(TOOL_FILES)) {
    const kept = files.filter((f) => !options.omit?.includes(f));
    const layer = await buildLayer([
      { path: 'usr/share/doc/README', content: Buffer.from(`${tag}\n`) },
      ...kept.map((f) => ({ path: f, content: standInTool(f), mode: 0o755 })),
    ]);
    const config: ImageConfig = {
      created: '2026-11-01T10:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'io.openshift.build.name': tag } },
      rootfs: { type: 'layers', diff_ids: [base.diffId, layer.diffId] },
    };
    const pushed = await pushImage(options.client, options.registry, options.repository, `${tag}-${kept.length}-${createHash('sha256').update(kept.join()).digest('hex').slice(0, 8)}`, {
      format: 'oci',
      config,
      layers: [base, layer].map((b) => ({ descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: b.digest, size: b.size }, diffId: b.diffId, data: b.data })),
    });
    images[tag] = `${options.registry}/${options.repository}@${pushed.digest}`;
  }
  const tags = fixture
    .filter((t) => !options.omitImages?.includes(t.name))
    .map((t) => (images[t.name] ? { ...t, annotations: { ...t.annotations }, from: { kind: 'DockerImage' as const, name: images[t.name] as string } } : t));
  return { tags, images };
}

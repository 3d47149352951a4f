// A multi-arch payload for cross builds: the fixture operators' images as manifest lists (linux/amd64 and
// linux/arm64, each its own image with the real payload's build labels), in a payload that is a manifest list too.
import { buildLayer } from '../../../src/core/image/layer';
import { pushImage, pushIndex } from '../../../src/core/image/push';
import type { RegistryClient } from '../../../src/core/registry/client';
import { type ImageConfig, MediaTypes } from '../../../src/core/registry/types';
import { FIXTURE_OPERATORS, operatorManifests } from '../cluster/payload';
import { pushTestPayload, type TestPayload } from '../payload/build';
import { type FixtureTag, fixtureTags } from '../payload/manifests';

const ARCHITECTURES = ['amd64', 'arm64'] as const;

async function pushComponentList(client: RegistryClient, registry: string, repository: string, tag: FixtureTag): Promise<string> {
  const base = await buildLayer([{ path: 'etc/os-release', content: Buffer.from('NAME="CentOS Stream"\nVERSION="9"\nID="centos"\n') }]);
  const entries = [];
  for (const architecture of ARCHITECTURES) {
    const layer = await buildLayer([{ path: `usr/bin/${tag.name}`, content: Buffer.from(`#!/bin/sh\necho ${tag.name} ${architecture}\n`), mode: 0o755 }]);
    const config: ImageConfig = {
      created: '2026-11-01T10:00:00Z',
      architecture,
      os: 'linux',
      config: { Entrypoint: [`/usr/bin/${tag.name}`], Labels: { ...tag.annotations, 'io.openshift.release.operator': 'true' } },
      rootfs: { type: 'layers', diff_ids: [base.diffId, layer.diffId] },
    };
    const pushed = await pushImage(client, registry, repository, `${tag.name}-multi-${architecture}`, {
      format: 'oci',
      config,
      layers: [
        { descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: base.digest, size: base.size }, diffId: base.diffId, data: base.data },
        { descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: layer.digest, size: layer.size }, diffId: layer.diffId, data: layer.data },
      ],
    });
    entries.push({ digest: pushed.digest, size: pushed.bytes.length, mediaType: pushed.mediaType, platform: { os: 'linux', architecture } });
  }
  const index = await pushIndex(client, registry, repository, `${tag.name}-multi`, entries, 'oci');
  return `${registry}/${repository}@${index.digest}`;
}

export interface MultiArchPayload {
  payload: TestPayload;
  /** Component -> its manifest list by digest. */
  images: Record<string, string>;
}

export async function pushMultiArchPayload(client: RegistryClient, registry: string, version = '4.19.0-okd-scos.17'): Promise<MultiArchPayload> {
  const wanted = new Set(FIXTURE_OPERATORS.map((o) => o.component));
  const tags: FixtureTag[] = [];
  for (const tag of fixtureTags().filter((t) => wanted.has(t.name))) {
    tags.push({ ...tag, from: { kind: 'DockerImage', name: await pushComponentList(client, registry, 'okd/scos-content', tag) } });
  }
  const payload = await pushTestPayload({ client, registry, repository: 'okd/scos-release', tag: version, version, tags, extraFiles: operatorManifests(), small: true, tinyBase: true, multiArch: true });
  return { payload, images: Object.fromEntries(tags.map((t) => [t.name, t.from.name])) };
}

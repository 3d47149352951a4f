// What a test cluster runs: component images and a small release payload naming them (with the Namespace and
// ServiceAccount manifests the operators' Deployments need), pushed to a test registry.
import { buildLayer } from '../../../src/core/image/layer';
import { pushImage } from '../../../src/core/image/push';
import type { RegistryClient } from '../../../src/core/registry/client';
import { MediaTypes } from '../../../src/core/registry/types';
import { type TestPayload, pushTestPayload } from '../payload/build';
import type { FixtureTag } from '../payload/manifests';

/** Pushes a tiny one-layer image (distinct content per `name`) and returns its digest pullspec. */
export async function pushComponentImage(client: RegistryClient, registry: string, repository: string, tag: string, name = tag): Promise<string> {
  const layer = await buildLayer([{ path: `usr/bin/${name}`, content: Buffer.from(`#!/bin/sh\necho ${name}\n`), mode: 0o755 }]);
  const pushed = await pushImage(client, registry, repository, tag, {
    format: 'oci',
    layers: [{ descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: layer.digest, size: layer.size }, diffId: layer.diffId, data: layer.data }],
    config: { created: '2026-11-01T10:00:00Z', architecture: 'amd64', os: 'linux', config: { Entrypoint: [`/usr/bin/${name}`] }, rootfs: { type: 'layers', diff_ids: [layer.diffId] } },
  });
  return `${registry}/${repository}@${pushed.digest}`;
}

/** The operators of the small fixture payload whose images are pushed, and their namespaces. */
export const FIXTURE_OPERATORS = [
  { component: 'cluster-image-registry-operator', namespace: 'openshift-image-registry' },
  { component: 'cluster-samples-operator', namespace: 'openshift-cluster-samples-operator' },
  { component: 'cluster-monitoring-operator', namespace: 'openshift-monitoring' },
];

/**
 * The fixture operators' Namespaces and ServiceAccounts, as payload files: the CVO creates their Deployments only in
 * an existing Namespace, and the API server admits their pods only once the ServiceAccount they run as exists.
 */
export function operatorManifests(): Record<string, string> {
  const files: Record<string, string> = {};
  const include = `  annotations:\n    include.release.openshift.io/self-managed-high-availability: "true"\n`;
  for (const o of FIXTURE_OPERATORS) {
    files[`0000_50_${o.component}_00-namespace.yaml`] = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${o.namespace}\n${include}`;
    files[`0000_50_${o.component}_00-serviceaccount.yaml`] = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${o.component}\n  namespace: ${o.namespace}\n${include}`;
  }
  return files;
}

export interface RegistryPayload {
  payload: TestPayload;
  /** Component name -> digest pullspec in the registry. */
  images: Record<string, string>;
  version: string;
}

/**
 * Pushes the fixture operators' images and a small payload naming them (with Namespace and ServiceAccount manifests
 * so the CVO can create their Deployments and their pods run) to `registry`.
 */
export interface PayloadContents {
  /** The components whose images are pushed and named in image-references (default: the fixture operators). */
  components?: readonly string[];
  /** The payload's extra manifests, given the pushed images (default: operatorManifests()). */
  extraFiles?: (images: Record<string, string>) => Record<string, string>;
}

export async function pushRegistryPayload(client: RegistryClient, registry: string, version: string, tag = version, contents: PayloadContents = {}): Promise<RegistryPayload> {
  const images: Record<string, string> = {};
  for (const name of contents.components ?? FIXTURE_OPERATORS.map((o) => o.component)) images[name] = await pushComponentImage(client, registry, 'okd/scos-content', `${name}-${tag}`, `${name}-${version}`);
  const tags: FixtureTag[] = Object.entries(images).map(([name, pullspec]) => ({
    name,
    annotations: { 'io.openshift.build.source-location': `https://github.com/openshift/${name}`, 'io.openshift.build.commit.id': '0123456789abcdef0123456789abcdef01234567' },
    from: { kind: 'DockerImage', name: pullspec },
  }));
  const extraFiles = contents.extraFiles ? contents.extraFiles(images) : operatorManifests();
  const payload = await pushTestPayload({ client, registry, repository: 'okd/scos-release', tag, version, tags, extraFiles, small: true, tinyBase: true });
  return { payload, images, version };
}

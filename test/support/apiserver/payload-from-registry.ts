// The test cluster on real payloads: a PayloadSource that reads the release named by the ClusterVersion from a
// registry with the project's own release reader, and an ImageExists that asks a loopback registry for the image
// (images on other registries are taken as present: the sandbox has no network). Plus the fixture a cluster test
// needs: component images and a small payload pushed to a test registry.
import { loadAll } from 'js-yaml';
import { buildLayer } from '../../../src/core/image/layer';
import { pushImage } from '../../../src/core/image/push';
import { isOkdError } from '../../../src/core/errors';
import { tryParsePullspec } from '../../../src/core/pullspec';
import { RegistryClient } from '../../../src/core/registry/client';
import { MediaTypes } from '../../../src/core/registry/types';
import { readRelease } from '../../../src/core/release/reader';
import { type TestPayload, pushTestPayload } from '../payload/build';
import type { FixtureTag } from '../payload/manifests';
import { startRegistry, type TestRegistry } from '../registry';
import { startTestCluster, type TestCluster, type TestClusterOptions } from './cluster';
import type { Payload, PayloadSource } from './cvo';
import type { ImageExists } from './deployment-controller';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

function objectsOf(file: string, content: string): object[] {
  const out: object[] = [];
  const add = (doc: unknown) => {
    if (doc && typeof doc === 'object' && 'kind' in doc && 'metadata' in doc) out.push(doc);
  };
  if (file.endsWith('.json')) add(JSON.parse(content));
  else loadAll(content, add);
  return out;
}

/** Reads the payload `image` from its registry (top layer only) and parses its manifests into objects. */
export function registryPayloadSource(client: RegistryClient): PayloadSource {
  return async (image: string): Promise<Payload> => {
    const release = await readRelease(image, { registry: client });
    return {
      version: release.version,
      manifests: release.manifests.map((m) => ({ file: m.file, objects: objectsOf(m.file, m.content ?? '') })),
    };
  };
}

/** Loopback registry images must exist (manifest GET); other registries are taken as present. */
export function registryImageExists(client: RegistryClient): ImageExists {
  return async (pullspec: string) => {
    const ref = tryParsePullspec(pullspec);
    if (!ref || !LOOPBACK.test(ref.registry)) return true;
    try {
      await client.getManifest(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest');
      return true;
    } catch (err) {
      if (isOkdError(err)) return false;
      throw err;
    }
  };
}

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
export async function pushRegistryPayload(client: RegistryClient, registry: string, version: string, tag = version): Promise<RegistryPayload> {
  const images: Record<string, string> = {};
  for (const o of FIXTURE_OPERATORS) images[o.component] = await pushComponentImage(client, registry, 'okd/scos-content', `${o.component}-${tag}`, `${o.component}-${version}`);
  const tags: FixtureTag[] = Object.entries(images).map(([name, pullspec]) => ({
    name,
    annotations: { 'io.openshift.build.source-location': `https://github.com/openshift/${name}`, 'io.openshift.build.commit.id': '0123456789abcdef0123456789abcdef01234567' },
    from: { kind: 'DockerImage', name: pullspec },
  }));
  const extraFiles: Record<string, string> = {};
  for (const o of FIXTURE_OPERATORS) {
    extraFiles[`0000_50_${o.component}_00-namespace.yaml`] = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${o.namespace}\n  annotations:\n    include.release.openshift.io/self-managed-high-availability: "true"\n`;
    // The operator Deployments run as a ServiceAccount of the component's name: a real API server's admission
    // refuses their pods until it exists.
    extraFiles[`0000_50_${o.component}_00-serviceaccount.yaml`] = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${o.component}\n  namespace: ${o.namespace}\n  annotations:\n    include.release.openshift.io/self-managed-high-availability: "true"\n`;
  }
  const payload = await pushTestPayload({ client, registry, repository: 'okd/scos-release', tag, version, tags, extraFiles, small: true, tinyBase: true });
  return { payload, images, version };
}

export interface PayloadCluster {
  registry: TestRegistry;
  client: RegistryClient;
  cluster: TestCluster;
  release: RegistryPayload;
  /** The release image the cluster runs (digest pullspec). */
  image: string;
  stop(): Promise<void>;
}

/** A registry with a small payload, and a test cluster whose CVO runs it (applied before this resolves). */
export async function startPayloadCluster(options: Omit<TestClusterOptions, 'release' | 'payloadSource' | 'imageExists'> = {}): Promise<PayloadCluster> {
  const registry = await startRegistry();
  const client = new RegistryClient({ insecure: true });
  try {
    const release = await pushRegistryPayload(client, registry.host, '4.19.0-okd-scos.16');
    const image = release.payload.digestPullSpec;
    const cluster = await startTestCluster({
      progressDeadlineScale: 0.002,
      ...options,
      release: { version: release.version, image },
      payloadSource: registryPayloadSource(client),
      imageExists: registryImageExists(client),
    });
    await cluster.cvo?.payloadAppliedFor(image, 30_000);
    return {
      registry,
      client,
      cluster,
      release,
      image,
      async stop() {
        await cluster.stop();
        await client.close();
        await registry.stop();
      },
    };
  } catch (err) {
    await client.close();
    await registry.stop();
    throw err;
  }
}

// The test cluster on real payloads: a PayloadSource that reads the release named by the ClusterVersion from a
// registry with the project's own release reader, and an ImageExists that asks a loopback registry for the image
// (images on other registries are taken as present: the sandbox has no network). Plus the fixture a cluster test
// needs: component images and a small payload pushed to a test registry.
import { loadAll } from 'js-yaml';
import { isOkdError } from '../../../src/core/errors';
import { tryParsePullspec } from '../../../src/core/pullspec';
import { RegistryClient } from '../../../src/core/registry/client';
import { readRelease } from '../../../src/core/release/reader';
import { FIXTURE_OPERATORS, pushComponentImage, pushRegistryPayload, type RegistryPayload } from '../cluster/payload';
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

export { FIXTURE_OPERATORS, pushComponentImage, pushRegistryPayload, type RegistryPayload };

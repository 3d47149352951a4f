// The dev loop's world for tests and the benchmark: a loopback registry (behind a counting proxy) holding component
// images, a small payload naming them and a base image for Dockerfiles; optionally the test cluster running that
// payload; and the sample operator checkout.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../../../src/core/registry/client';
import type { ContainerToolSettings } from '../../../src/core/build/container';
import { type OkdCluster, startOkdCluster } from '../cluster/okd';
import { FIXTURE_OPERATORS, operatorManifests } from '../cluster/payload';
import { pushTestPayload, type TestPayload } from '../payload/build';
import { fixtureTags } from '../payload/manifests';
import { startRegistry, type TestRegistry } from '../registry';
import { pushComponentImages } from '../sandbox/componentImages';
import { pushSampleBase } from './index';

export interface DevWorld {
  registry: TestRegistry;
  client: RegistryClient;
  payload: TestPayload;
  /** The release image by digest. */
  releaseImage: string;
  /** Component name -> its image in the payload. */
  images: Record<string, string>;
  /** Base image for the sample's Dockerfiles (same base layer as the component images). */
  baseImage: string;
  /** The test cluster (a real control plane) running the payload, when asked for. */
  cluster?: OkdCluster;
  /** A dev repository on the same registry. */
  devRepository: string;
  /** podman/buildah settings for this machine, a fresh store per tool. */
  toolSettings(tool: 'podman' | 'buildah'): ContainerToolSettings;
  stop(): Promise<void>;
}

export async function startDevWorld(options: { cluster?: boolean; imageRegistry?: boolean } = {}): Promise<DevWorld> {
  const registry = await startRegistry({ proxy: true });
  const client = new RegistryClient({ insecure: true });
  const stores = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-dev-stores-'));
  let cluster: OkdCluster | undefined;
  try {
    const wanted = new Set(FIXTURE_OPERATORS.map((o) => o.component));
    const tags = await pushComponentImages(fixtureTags().filter((t) => wanted.has(t.name)), { client, registry: registry.host, repository: 'okd/scos-content' });
    const extraFiles = operatorManifests();
    const version = '4.19.0-okd-scos.16';
    const payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: version, version, tags, extraFiles, small: true, tinyBase: true });
    const baseImage = await pushSampleBase(client, registry.host);
    const releaseImage = payload.digestPullSpec;
    if (options.cluster) cluster = await startOkdCluster({ image: releaseImage, version, insecureRegistries: [registry.host], ...(options.imageRegistry ? { imageRegistry: true } : {}) });
    return {
      registry,
      client,
      payload,
      releaseImage,
      images: Object.fromEntries(tags.map((t) => [t.name, t.from.name])),
      baseImage,
      ...(cluster ? { cluster } : {}),
      devRepository: `${registry.host}/me/okd-dev`,
      toolSettings: (tool) => ({
        storageDriver: 'vfs',
        root: path.join(stores, tool, 'root'),
        runroot: path.join(stores, tool, 'run'),
        isolation: 'chroot',
        ...(tool === 'podman' ? { cgroupManager: 'cgroupfs', eventsBackend: 'file' } : {}),
      }),
      async stop() {
        await cluster?.stop();
        await client.close();
        await registry.stop();
        // vfs stores hold root-owned copies; removing them can take a moment.
        fs.rmSync(stores, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await cluster?.stop();
    await client.close();
    await registry.stop();
    throw err;
  }
}



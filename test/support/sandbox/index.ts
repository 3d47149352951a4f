import { parsePullspec } from '../../../src/core/pullspec';
import { RegistryClient } from '../../../src/core/registry/client';
import { readRelease } from '../../../src/core/release/reader';
import { type OkdCluster, startOkdCluster } from '../cluster/okd';
import { operatorManifests } from '../cluster/payload';
import { fixtureTags, type FixtureTag } from '../payload/manifests';
import { pushTestPayload, type TestPayload } from '../payload/build';
import { startRegistry, type TestRegistry } from '../registry';
import { pushComponentImages, standInInstallerBinary } from './componentImages';
import { type ControllerTag, type FakeReleaseController, startReleaseController } from './releaseController';
import { type SandboxSources, startSandboxSources } from './sourceRepositories';

export interface SandboxOptions {
  /** Ports to listen on (0 or absent: any free port). */
  registryPort?: number;
  controllerPort?: number;
  /** The payload the test cluster runs (default: the first demo payload, by digest). */
  clusterRelease?: string;
  /** Leave out the test cluster. */
  noCluster?: boolean;
}

export interface SandboxCluster {
  cluster: OkdCluster;
  /** The kubeconfig for it: contexts `admin` (current) and `viewer` (read-only). */
  kubeconfig: string;
  /** What the cluster runs: ClusterVersion status.desired. */
  release: { version: string; image: string };
}

export interface Sandbox {
  /** host:port of the plain-http registry. */
  registry: string;
  registryHandle: TestRegistry;
  releaseController: string;
  controller: FakeReleaseController;
  /** Tag pullspecs of the demo payloads, oldest first. */
  releases: string[];
  payloads: TestPayload[];
  streams: { name: string; tags: ControllerTag[] }[];
  /** The test cluster (a real control plane whose CVO runs a payload from this registry), unless noCluster. */
  cluster?: SandboxCluster;
  /** The git daemon serving a few components' source repositories as https://github.com/openshift/<component>. */
  sources: SandboxSources;
  /**
   * Environment for the editor (code-server and its extension host) and CLI runs: git's url.<base>.insteadOf sending
   * https://github.com/ to the sources' git daemon, so changelogs read the sandbox's repositories.
   */
  gitEnv: Record<string, string>;
  /** okd.* user settings that point the extension at this sandbox. */
  settings: Record<string, unknown>;
  stop(): Promise<void>;
}

export const SANDBOX_RELEASE_REPOSITORY = 'okd/scos-release';
export const SANDBOX_CONTENT_REPOSITORY = 'okd/scos-content';

/** The demo releases: 4.19.0-okd-scos.0, then .1 with two operators at new commits, and an ec of 4.20 (rejected). */
const demo = [
  { version: '4.19.0-okd-scos.0', stream: '4-scos-stable', phase: 'Accepted' as const, changed: [] as string[], previous: [] as string[] },
  { version: '4.19.0-okd-scos.1', stream: '4-scos-stable', phase: 'Accepted' as const, changed: ['cluster-image-registry-operator', 'cluster-monitoring-operator'], previous: ['4.19.0-okd-scos.0'] },
  // Rejected: a blocking job failed (the controller's results, releaseResults.ts).
  { version: '4.20.0-okd-scos.ec.1', stream: '4-scos-next', phase: 'Rejected' as const, changed: ['cluster-samples-operator'], previous: ['4.19.0-okd-scos.1'] },
];

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/**
 * The test cluster running `image` (read through the registry by its CVO, as a real one does), with a kubeconfig.
 * Resolves when the CVO has applied the payload and its Deployments have rolled out.
 */
export async function startSandboxCluster(image: string, insecure: string[]): Promise<SandboxCluster> {
  const client = new RegistryClient({ insecure });
  try {
    const release = await readRelease(image, { registry: client });
    // A full payload has hundreds of CRDs and dozens of operators: the first pass takes a while.
    // With the cluster's own registry, route exposed: Build, Push & Patch works with no dev repository set.
    const cluster = await startOkdCluster({ image, version: release.version, insecureRegistries: insecure, appliedTimeoutMs: 300_000, imageRegistry: true });
    return { cluster, kubeconfig: cluster.kubeconfigPath, release: { version: release.version, image } };
  } finally {
    await client.close();
  }
}

function commitFor(version: string, tag: FixtureTag): string {
  const base = tag.annotations['io.openshift.build.commit.id'] ?? '';
  if (!base) return base;
  const bump = version.replace(/[^0-9a-f]/g, '').slice(-6).padStart(6, '0');
  return `${bump}${base.slice(6)}`;
}

/**
 * A loopback world for the extension and its tests: a real registry holding demo payloads built from the
 * fixtures with their component images, and a release controller API listing them in streams.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sources = await startSandboxSources(demo.length);
  try {
    return await startSandboxServing(sources, options);
  } catch (err) {
    await sources.stop();
    throw err;
  }
}

async function startSandboxServing(sources: SandboxSources, options: SandboxOptions): Promise<Sandbox> {
  const registryHandle = await startRegistry(options.registryPort ? { port: options.registryPort } : {});
  const registry = registryHandle.host;
  const client = new RegistryClient({ insecure: [registry] });
  let tags = fixtureTags();
  const payloads: TestPayload[] = [];
  const streamTags = new Map<string, ControllerTag[]>();
  for (const [index, release] of demo.entries()) {
    tags = tags.map((tag) => {
      // A served component is labelled with its repository's commit for this release; the others get made-up ones.
      const served = sources.commits.get(tag.name)?.[index];
      const commit = served ?? (release.changed.includes(tag.name) ? commitFor(release.version, tag) : undefined);
      return commit ? { ...tag, annotations: { ...tag.annotations, 'io.openshift.build.commit.id': commit } } : tag;
    });
    const images = await pushComponentImages(tags, {
      client,
      registry,
      repository: SANDBOX_CONTENT_REPOSITORY,
      extraFiles: { installer: [{ path: 'usr/bin/openshift-install', content: standInInstallerBinary(), mode: 0o755 }] },
    });
    const payload = await pushTestPayload({
      client,
      registry,
      repository: SANDBOX_RELEASE_REPOSITORY,
      tag: release.version,
      version: release.version,
      tags: images,
      previous: release.previous,
      extraFiles: operatorManifests(),
      tinyBase: true,
    });
    payloads.push(payload);
    const list = streamTags.get(release.stream) ?? [];
    list.unshift({ name: release.version, phase: release.phase, pullSpec: payload.pullSpec });
    streamTags.set(release.stream, list);
  }
  const controller = await startReleaseController(streamTags, options.controllerPort ?? 0);
  const releases = payloads.map((p) => p.pullSpec);
  let cluster: SandboxCluster | undefined;
  if (!options.noCluster) {
    const image = options.clusterRelease ?? (payloads[0] as TestPayload).digestPullSpec;
    const other = parsePullspec(image).registry;
    try {
      cluster = await startSandboxCluster(image, [registry, ...(other !== registry && LOOPBACK.test(other) ? [other] : [])]);
    } catch (err) {
      await controller.stop();
      await registryHandle.stop();
      throw err;
    }
  }
  return {
    registry,
    registryHandle,
    releaseController: controller.url,
    controller,
    releases,
    payloads,
    streams: [...streamTags].map(([name, list]) => ({ name, tags: list })),
    ...(cluster ? { cluster } : {}),
    sources,
    gitEnv: sources.env,
    settings: {
      ...(cluster ? { 'okd.kubeconfig': cluster.kubeconfig } : {}),
      'okd.releaseControllers': [{ url: controller.url, streams: [...streamTags.keys()] }],
      'okd.releaseRepositories': [`${registry}/${SANDBOX_RELEASE_REPOSITORY}`],
      'okd.pinnedReleases': [releases[releases.length - 2]],
      'okd.insecureRegistries': [registry],
    },
    stop: async () => {
      await cluster?.cluster.stop();
      await controller.stop();
      await registryHandle.stop();
      await sources.stop();
    },
  };
}

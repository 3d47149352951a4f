// The container-build flags shared by `dev loop` and `release build`: which Dockerfile, its build args and images,
// and how podman/buildah store and run (this machine, for one, needs --storage-driver vfs --isolation chroot).
import * as path from 'node:path';
import type { BuildSettings } from '../../core/build/settings';
import { UsageError } from '../usage';

export const containerOptionsUsage = `Container builds:
      --dockerfile FILE        relative to the checkout (default: the best found, Dockerfile.okd first)
      --build-arg K=V          repeatable, e.g. --build-arg TAGS=scos
      --base-image PULLSPEC    replace the final stage's base (e.g. registry.ci.openshift.org/origin/scos-4.20:base-stream9)
      --builder-image PULLSPEC replace the image of the builder stages
      --prebuild               run the build command here first (Dockerfiles that COPY a prebuilt binary)
      --push-with tool|client  push with the container tool (default) or with okd-dev from the tool's OCI output
      --storage-driver D, --root DIR, --runroot DIR, --isolation I, --cgroup-manager M, --events-backend B
                               passed to podman/buildah (e.g. --storage-driver vfs --isolation chroot)
      --cert-dir DIR           podman/buildah: a folder with ca.crt for the registry`;

export const containerOptions = {
  dockerfile: { type: 'string' },
  'build-arg': { type: 'string', multiple: true },
  'base-image': { type: 'string' },
  'builder-image': { type: 'string' },
  prebuild: { type: 'boolean' },
  'push-with': { type: 'string' },
  'storage-driver': { type: 'string' },
  root: { type: 'string' },
  runroot: { type: 'string' },
  isolation: { type: 'string' },
  'cgroup-manager': { type: 'string' },
  'events-backend': { type: 'string' },
  'cert-dir': { type: 'string' },
} as const;

export interface ContainerOptionValues {
  dockerfile?: string;
  'build-arg'?: string[];
  'base-image'?: string;
  'builder-image'?: string;
  prebuild?: boolean;
  'push-with'?: string;
  'storage-driver'?: string;
  root?: string;
  runroot?: string;
  isolation?: string;
  'cgroup-manager'?: string;
  'events-backend'?: string;
  'cert-dir'?: string;
  insecure?: boolean;
  'registry-config'?: string;
}

function buildArgs(values: string[] | undefined, usage: string): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg needs KEY=VALUE, got '${value}'`, usage);
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}

/** The container-build part of BuildSettings from the flags (registry access included). */
export function containerSettings(values: ContainerOptionValues, usage: string): BuildSettings {
  const pushWith = values['push-with'] ?? 'tool';
  if (pushWith !== 'tool' && pushWith !== 'client') throw new UsageError(`--push-with is tool or client, got '${pushWith}'`, usage);
  const args = buildArgs(values['build-arg'], usage);
  return {
    ...(values.dockerfile ? { dockerfile: values.dockerfile } : {}),
    ...(args ? { buildArgs: args } : {}),
    ...(values['base-image'] ? { baseImage: values['base-image'] } : {}),
    ...(values['builder-image'] ? { builderImage: values['builder-image'] } : {}),
    ...(values.prebuild !== undefined ? { prebuild: values.prebuild } : {}),
    pushWith,
    tool: {
      ...(values['storage-driver'] ? { storageDriver: values['storage-driver'] } : {}),
      ...(values.root ? { root: path.resolve(values.root) } : {}),
      ...(values.runroot ? { runroot: path.resolve(values.runroot) } : {}),
      ...(values.isolation ? { isolation: values.isolation } : {}),
      ...(values['cgroup-manager'] ? { cgroupManager: values['cgroup-manager'] } : {}),
      ...(values['events-backend'] ? { eventsBackend: values['events-backend'] } : {}),
    },
    access: {
      insecure: values.insecure ?? false,
      ...(values['cert-dir'] ? { certDir: values['cert-dir'] } : {}),
      ...(values['registry-config'] ? { authFile: values['registry-config'] } : {}),
    },
  };
}

import type { ExternalCommand } from './command';
import type { ContainerTool } from './tools';

/** How the container tool stores images and runs build steps: settings, since machines differ. */
export interface ContainerToolSettings {
  /** `--storage-driver` (e.g. vfs where overlay is not available). podman and buildah. */
  storageDriver?: string;
  /** `--root` / `--runroot`: a private image store. podman and buildah. */
  root?: string;
  runroot?: string;
  /** `--isolation` for RUN steps (chroot where containers cannot be created). podman and buildah. */
  isolation?: string;
  /** podman only: `--cgroup-manager` (cgroupfs without systemd) and `--events-backend` (file without journald). */
  cgroupManager?: string;
  eventsBackend?: string;
  /** Extra global flags, before the verb. */
  globalArgs?: string[];
}

/** How to talk to registries. */
export interface RegistryAccess {
  /** Hosts reached over plain http / unverified TLS (`--tls-verify=false` when the image's registry is one). */
  insecure?: boolean | string[];
  /** A folder holding `ca.crt` (podman/buildah `--cert-dir`). */
  certDir?: string;
  /**
   * containers auth file (`--authfile`). Credentials only ever reach the tools through a file: a `--creds user:pass`
   * argument would be readable by every user of the machine in `ps` and /proc.
   */
  authFile?: string;
}

export interface ContainerBuildSpec {
  contextDir: string;
  dockerfile: string;
  /** The local name to give the image (podman/buildah) or the destination (docker). */
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** `--platform os/arch` */
  platform?: string;
  /** Registries the FROM images come from (for --tls-verify). */
  pullRegistries?: string[];
}

export function isInsecure(access: RegistryAccess, registry: string | undefined): boolean {
  if (!registry) return false;
  return access.insecure === true || (Array.isArray(access.insecure) && access.insecure.includes(registry));
}

/** The flags before the verb: storage and runtime choices. */
export function globalArgs(tool: ContainerTool, s: ContainerToolSettings): string[] {
  if (tool === 'docker') return [...(s.globalArgs ?? [])];
  const out: string[] = [];
  if (s.storageDriver) out.push('--storage-driver', s.storageDriver);
  if (s.root) out.push('--root', s.root);
  if (s.runroot) out.push('--runroot', s.runroot);
  if (tool === 'podman') {
    if (s.cgroupManager) out.push('--cgroup-manager', s.cgroupManager);
    if (s.eventsBackend) out.push('--events-backend', s.eventsBackend);
  }
  return [...out, ...(s.globalArgs ?? [])];
}

function accessArgs(tool: ContainerTool, access: RegistryAccess, insecure: boolean): { args: string[]; secrets: string[] } {
  if (tool === 'docker') return { args: [], secrets: [] };
  const args: string[] = [];
  const secrets: string[] = [];
  if (insecure) args.push('--tls-verify=false');
  else if (access.certDir) args.push('--cert-dir', access.certDir);
  if (access.authFile) args.push('--authfile', access.authFile);
  return { args, secrets };
}

function keyValues(flag: string, values: Record<string, string> | undefined): string[] {
  return Object.entries(values ?? {}).flatMap(([k, v]) => [flag, `${k}=${v}`]);
}

/** `podman build` / `buildah build` / `docker build` as data. */
export function containerBuildCommand(tool: ContainerTool, settings: ContainerToolSettings, access: RegistryAccess, spec: ContainerBuildSpec): ExternalCommand {
  const insecure = (spec.pullRegistries ?? []).some((r) => isInsecure(access, r));
  // Registry credentials are for pushing; a build reads the auth file only.
  const { args: reg } = accessArgs(tool, access, insecure);
  const args = [
    ...globalArgs(tool, settings),
    'build',
    '-f',
    spec.dockerfile,
    '-t',
    spec.tag,
    ...keyValues('--build-arg', spec.buildArgs),
    ...keyValues('--label', spec.labels),
    ...(spec.platform ? ['--platform', spec.platform] : []),
    ...(tool !== 'docker' && settings.isolation ? ['--isolation', settings.isolation] : []),
    ...reg,
    spec.contextDir,
  ];
  return { command: tool, args };
}

/**
 * Pushing the built image: to a registry (`docker://host/repo:tag`), or to an OCI layout folder (`oci:DIR`) or
 * archive (`oci-archive:FILE`) that our registry client then pushes. docker can only push to a registry, by the tag
 * it was built with.
 */
export function containerPushCommand(
  tool: ContainerTool,
  settings: ContainerToolSettings,
  access: RegistryAccess,
  spec: { image: string; destination: string; digestFile?: string; registry?: string; format?: 'oci' | 'v2s2' },
): ExternalCommand {
  if (tool === 'docker') return { command: 'docker', args: [...globalArgs(tool, settings), 'push', spec.image] };
  const toRegistry = spec.destination.startsWith('docker://');
  const { args: reg, secrets } = toRegistry ? accessArgs(tool, access, isInsecure(access, spec.registry)) : { args: [], secrets: [] };
  return {
    command: tool,
    args: [
      ...globalArgs(tool, settings),
      'push',
      ...reg,
      ...(spec.digestFile ? ['--digestfile', spec.digestFile] : []),
      ...(spec.format ? ['--format', spec.format] : []),
      spec.image,
      spec.destination,
    ],
    secrets,
  };
}

/** `podman rmi` / `buildah rmi` of the local image once pushed, so dev images do not pile up. */
export function containerRemoveImageCommand(tool: ContainerTool, settings: ContainerToolSettings, image: string): ExternalCommand {
  return { command: tool, args: [...globalArgs(tool, settings), 'rmi', ...(tool === 'docker' ? [] : ['--force']), image] };
}

/** The digest `docker push` prints last: `latest: digest: sha256:... size: 1234`. */
export function parseDockerPushDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest:\s*(sha256:[0-9a-f]{64})/g)];
  return matches.length ? (matches[matches.length - 1]?.[1] as string) : undefined;
}

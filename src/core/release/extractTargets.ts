import * as os from 'node:os';
import { OkdError } from '../errors';
import { type MarkerSlot, RELEASE_ARCHITECTURE_SLOT, RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT } from './extractMarkers';

/** The commands `--command` can extract. */
export type ExtractCommandName = 'oc' | 'openshift-install';

/** oc's name for "whatever architecture the release payload is": such a target is the payload's own image. */
export const RELEASE_ARCH = 'release-arch';

/**
 * One file oc can extract for one OS and architecture, as in openshift/oc pkg/cli/admin/release/extract_tools.go
 * (`availableTargets`): the payload tag whose image holds it and its path there. `os` and `arch` use Go's names
 * (`darwin`, `amd64`), as oc compares them.
 */
export interface ExtractTarget {
  command: ExtractCommandName;
  os: string;
  /** A Go architecture, or {@link RELEASE_ARCH}. */
  arch: string;
  /** The payload tag: `cli`, `cli-artifacts`, `installer`, `installer-artifacts`. */
  image: string;
  /** The file in that image, relative to its root. */
  path: string;
  /** oc's `NewArch`: the file may be absent from older payloads' artifacts images. */
  newArch?: boolean;
  /** The marker slots filled in (oc: version for oc; image and version for the installer, plus the architecture). */
  slots: MarkerSlot[];
}

const OC_SLOTS = [RELEASE_VERSION_SLOT];
const INSTALLER_SLOTS = [RELEASE_IMAGE_SLOT, RELEASE_VERSION_SLOT, RELEASE_ARCHITECTURE_SLOT];

/** oc's table, in its order (the order matters: a release-arch target comes before the per-arch one it shadows). */
export const EXTRACT_TARGETS: readonly ExtractTarget[] = [
  { command: 'oc', os: 'darwin', arch: 'amd64', image: 'cli-artifacts', path: 'usr/share/openshift/mac/oc', slots: OC_SLOTS },
  { command: 'oc', os: 'darwin', arch: 'arm64', image: 'cli-artifacts', path: 'usr/share/openshift/mac_arm64/oc', newArch: true, slots: OC_SLOTS },
  { command: 'oc', os: 'linux', arch: RELEASE_ARCH, image: 'cli', path: 'usr/bin/oc', slots: OC_SLOTS },
  { command: 'oc', os: 'linux', arch: 'amd64', image: 'cli-artifacts', path: 'usr/share/openshift/linux_amd64/oc', slots: OC_SLOTS },
  { command: 'oc', os: 'linux', arch: 'arm64', image: 'cli-artifacts', path: 'usr/share/openshift/linux_arm64/oc', newArch: true, slots: OC_SLOTS },
  { command: 'oc', os: 'linux', arch: 'ppc64le', image: 'cli-artifacts', path: 'usr/share/openshift/linux_ppc64le/oc', newArch: true, slots: OC_SLOTS },
  { command: 'oc', os: 'windows', arch: 'amd64', image: 'cli-artifacts', path: 'usr/share/openshift/windows/oc.exe', slots: OC_SLOTS },
  { command: 'openshift-install', os: 'darwin', arch: 'amd64', image: 'installer-artifacts', path: 'usr/share/openshift/mac/openshift-install', slots: INSTALLER_SLOTS },
  { command: 'openshift-install', os: 'darwin', arch: 'arm64', image: 'installer-artifacts', path: 'usr/share/openshift/mac_arm64/openshift-install', newArch: true, slots: INSTALLER_SLOTS },
  { command: 'openshift-install', os: 'linux', arch: RELEASE_ARCH, image: 'installer', path: 'usr/bin/openshift-install', slots: INSTALLER_SLOTS },
  { command: 'openshift-install', os: 'linux', arch: 'amd64', image: 'installer-artifacts', path: 'usr/share/openshift/linux_amd64/openshift-install', newArch: true, slots: INSTALLER_SLOTS },
  { command: 'openshift-install', os: 'linux', arch: 'arm64', image: 'installer-artifacts', path: 'usr/share/openshift/linux_arm64/openshift-install', newArch: true, slots: INSTALLER_SLOTS },
];

export const EXTRACT_COMMAND_NAMES: readonly ExtractCommandName[] = ['openshift-install', 'oc'];

export function isExtractCommand(name: string): name is ExtractCommandName {
  return (EXTRACT_COMMAND_NAMES as readonly string[]).includes(name);
}

/** An OS and architecture in Go's names, as oc's `--command-os` ends up with. */
export interface CommandPlatform {
  os: string;
  arch: string;
}

/** How oc spells an OS on its command line and in its artifact paths (`mac` for darwin). */
export function osLabel(goos: string): string {
  return goos === 'darwin' ? 'mac' : goos;
}

/** `mac/arm64`, `linux/amd64`: what a user would pass to `--command-os` for this platform. */
export function platformLabel(p: CommandPlatform): string {
  return `${osLabel(p.os)}/${p.arch}`;
}

/**
 * The machine this runs on in Go's names, as oc's default (`runtime.GOOS`/`runtime.GOARCH`) would be for an oc
 * built for it: Node's `win32` is `windows`, `x64` is `amd64`, `ia32` is `386`, and `ppc64` is `ppc64le` on a
 * little-endian machine (the only ppc64 Linux that OKD ships for).
 */
export function hostCommandPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch, endianness: 'BE' | 'LE' = os.endianness()): CommandPlatform {
  const goos = platform === 'win32' ? 'windows' : platform;
  const goarch = arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch === 'ppc64' && endianness === 'LE' ? 'ppc64le' : arch;
  return { os: goos, arch: goarch };
}

/** The `--command-os` values oc has a target for with this command (`mac`, `mac/arm64`, `linux/arm64`...). */
export function commandOsValues(command: ExtractCommandName): string[] {
  const values = EXTRACT_TARGETS.filter((t) => t.command === command && t.arch !== RELEASE_ARCH).map((t) => (t.arch === 'amd64' ? osLabel(t.os) : platformLabel(t)));
  return [...new Set(values)];
}

/**
 * `--command-os` as oc reads it: absent means this machine; `OS` alone means `OS/amd64` (oc's rule, whatever this
 * machine's architecture); `OS/ARCH` as given; `mac` is darwin. `*` (every platform) is oc's way to write the
 * release's client archives, which this tool does not produce, so it is refused with what to use instead.
 */
export function parseCommandOs(value: string | undefined, host: CommandPlatform = hostCommandPlatform()): CommandPlatform {
  if (value === undefined) return host;
  const text = value.trim();
  if (text === '*') {
    throw new OkdError(
      'unsupported',
      '--command-os=* asks for the client archives of every platform (oc writes tar.gz and zip files), which okd-dev does not produce',
      'name one platform, for example --command-os=mac/arm64, and run once per platform',
    );
  }
  const parts = text.split('/');
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9_]+$/.test(p))) {
    throw new OkdError('invalid-input', `--command-os "${value}" is not OS or OS/ARCH`, 'for example linux, mac, windows, linux/arm64 or mac/arm64');
  }
  const goos = parts[0] === 'mac' ? 'darwin' : (parts[0] as string);
  return { os: goos, arch: parts[1] ?? 'amd64' };
}

/**
 * The one target oc would extract `command` from for `want`, given the payload's architecture: the OS must match,
 * and the architecture too, except that a release-arch target stands for the payload's own architecture (and then
 * shadows the per-arch target of the same command, as oc skips that duplicate). Undefined when oc has none.
 */
export function selectTarget(command: ExtractCommandName, want: CommandPlatform, releaseArch: string): ExtractTarget | undefined {
  const matching = EXTRACT_TARGETS.filter((t) => t.command === command && t.os === want.os && (t.arch === want.arch || (t.arch === RELEASE_ARCH && want.arch === releaseArch)));
  return matching.find((t) => t.arch === RELEASE_ARCH) ?? matching[0];
}

/** The platform a target serves, with the release's architecture put in for release-arch. */
export function targetPlatform(target: ExtractTarget, releaseArch: string): CommandPlatform {
  return { os: target.os, arch: target.arch === RELEASE_ARCH ? releaseArch : target.arch };
}

/** The file name written in the target folder: the command, with `.exe` for Windows. */
export function targetFileName(target: ExtractTarget): string {
  return target.os === 'windows' ? `${target.command}.exe` : target.command;
}

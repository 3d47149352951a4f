/**
 * Ordering of release payload tags as they appear in a release repository (`quay.io/okd/scos-release`):
 * `4.19.0-okd-scos.16`, `4.21.0-okd-scos.ec.13`, `4.20.0-0.okd-scos-2025-06-30-052314`, `4.11.15-x86_64`.
 * A registry lists tags in lexical order, which puts `4.19.0-okd-scos.9` after `4.19.0-okd-scos.16`; a person
 * expects the newest release first.
 */

/** What a release tag says about its place in the release history. */
export interface ReleaseTagVersion {
  major: number;
  minor: number;
  patch: number;
  /**
   * Where the build stands within its x.y.z: nightly/CI builds (timestamped) < ec < fc < rc < named release.
   * Named releases (`4.19.0`, `4.19.0-okd-scos.16`) are the highest.
   */
  stage: number;
  /** `YYYY-MM-DD-HHMMSS` of a nightly or CI build, '' otherwise. */
  timestamp: string;
  /** The remaining identifiers (`16` of `okd-scos.16`, `13` of `ec.13`), numbers where numeric. */
  parts: (number | string)[];
}

export const STAGE_NIGHTLY = 0;
export const STAGE_RELEASE = 10;
const stages: Readonly<Record<string, number>> = { ec: 1, fc: 2, rc: 3 };

const VERSION_RE = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+](.*))?$/;
const TIMESTAMP_RE = /(\d{4}-\d{2}-\d{2}-\d{6})/;
/** An architecture suffix as OCP release tags carry it (`4.11.15-x86_64`, `4.14.0-multi`). */
const ARCH_SUFFIX_RE = /(^|[-.])(x86_64|amd64|aarch64|arm64|ppc64le|s390x|multi)$/;
/** Identifiers that name the distribution, not a position in history. */
const DISTRO_IDENTIFIERS = new Set(['okd', 'scos', 'okd-scos', 'fcos', 'okd-fcos', 'origin', 'ci', 'nightly']);

/** Parses a release tag; undefined for tags that are not versions (`latest`, `4.19`, `stable-4`). */
export function parseReleaseTag(tag: string): ReleaseTagVersion | undefined {
  const m = VERSION_RE.exec(tag);
  if (!m) return undefined;
  const version: ReleaseTagVersion = {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    stage: STAGE_RELEASE,
    timestamp: '',
    parts: [],
  };
  let rest = (m[4] ?? '').replace(ARCH_SUFFIX_RE, '');
  const ts = TIMESTAMP_RE.exec(rest);
  if (ts) {
    version.stage = STAGE_NIGHTLY;
    version.timestamp = ts[1] as string;
    rest = rest.replace(ts[0], '');
  }
  const identifiers = rest
    .split('.')
    .map((id) => id.replace(/^-+|-+$/g, ''))
    .filter((id) => id !== '' && !DISTRO_IDENTIFIERS.has(id.toLowerCase()));
  if (!ts) {
    const first = identifiers[0]?.toLowerCase();
    const stage = first !== undefined ? stages[first] : undefined;
    if (stage !== undefined) {
      version.stage = stage;
      identifiers.shift();
    }
  } else if (identifiers[0] === '0') {
    // `4.20.0-0.okd-scos-2025-...`: the leading 0 only makes the build sort before 4.20.0 in semver.
    identifiers.shift();
  }
  version.parts = identifiers.map((id) => (/^\d+$/.test(id) ? Number(id) : id));
  return version;
}

function compareParts(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y;
    } else if (typeof x !== typeof y) {
      // As in semver: a numeric identifier sorts before an alphanumeric one.
      return typeof x === 'number' ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Orders two release tags oldest first; tags that are not versions come before every version, by name. */
export function compareReleaseTags(a: string, b: string): number {
  const va = parseReleaseTag(a);
  const vb = parseReleaseTag(b);
  if (!va || !vb) {
    if (va) return 1;
    if (vb) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return (
    va.major - vb.major ||
    va.minor - vb.minor ||
    va.patch - vb.patch ||
    va.stage - vb.stage ||
    (va.timestamp < vb.timestamp ? -1 : va.timestamp > vb.timestamp ? 1 : 0) ||
    compareParts(va.parts, vb.parts) ||
    (a < b ? -1 : a > b ? 1 : 0)
  );
}

/**
 * Tags a registry answers for a repository that are not release images: cosign signatures, attestations and SBOMs
 * (`sha256-<hex>.sig`), and OCI referrers fallback tags.
 */
export function isArtifactTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}(\.(sig|att|sbom)|$)/.test(tag);
}

/**
 * The release tags of a repository, newest first: versions by version (semver-aware, OKD build numbers and
 * candidates, nightly timestamps), then tags that are not versions (`latest`) by name. Signature tags are dropped.
 */
export function sortReleaseTagsNewestFirst(tags: readonly string[]): string[] {
  const versions: string[] = [];
  const others: string[] = [];
  for (const tag of new Set(tags)) {
    if (isArtifactTag(tag)) continue;
    (parseReleaseTag(tag) ? versions : others).push(tag);
  }
  versions.sort((a, b) => compareReleaseTags(b, a));
  others.sort();
  return [...versions, ...others];
}

/**
 * The release payload as the reader produces it and `release info|diff`, the tree views and the override commands
 * consume it. Plain JSON-serialisable data so it can be cached as is.
 */

/** `release-metadata` (cincinnati-metadata-v0). */
export interface ReleaseMetadata {
  kind: string;
  version: string;
  previous: string[];
  next: string[];
  /** Values are usually strings; oc prints them with %v. */
  metadata: Record<string, unknown>;
}

/** One `spec.tags[]` entry of `image-references`: an image of the payload. */
export interface Component {
  name: string;
  /** `from.name`, normally a digest pullspec. */
  pullSpec: string;
  /** The digest of `pullSpec`, '' when it has none. */
  digest: string;
  /** `io.openshift.build.commit.id`, '' when absent (e.g. machine-os-content). */
  commit: string;
  /** `io.openshift.build.commit.ref`. */
  ref: string;
  /** `io.openshift.build.source-location`. */
  source: string;
  /** `https://github.com/<org>/<repo>/commit/<id>` for github.com sources with a commit. */
  commitUrl?: string;
  /** `io.openshift.build.versions`, e.g. {kubernetes: '1.22.1'}. */
  versions: Record<string, string>;
  /** `io.openshift.build.version-display-names`. */
  versionDisplayNames: Record<string, string>;
  /** `io.openshift.release.override: "true"`: replaced by `oc adm release new name=IMAGE`. */
  override: boolean;
  annotations: Record<string, string>;
}

/** A component version of the whole release (Component Versions in `oc adm release info`). */
export interface ComponentVersion {
  version: string;
  displayName?: string;
}

export interface ManifestFile {
  /** Name within `release-manifests/`. */
  file: string;
  /** UTF-8 byte length. */
  size: number;
  /** sha256 of the content, hex. */
  sha256: string;
  /**
   * The file's text. Absent in a model read back from the cache, which keeps only what the views list (a
   * payload's manifests are megabytes); `ReleaseLibrary.manifestContent` reads it on demand.
   */
  content?: string;
  /** Operator (CVO component) from the file name, when it follows `0000_<runlevel>_<component>_`. */
  operator?: string;
  runlevel?: string;
  /** Set when a YAML/JSON document of this file could not be parsed; its objects are unknown. */
  parseError?: string;
}

export interface ImageUse {
  /** Where the reference is: `image`, `env:OPERATOR_IMAGE`, `args`. */
  field: string;
  value: string;
  /** The payload component this reference resolves to (matched by digest). */
  component?: string;
}

export interface WorkloadContainer {
  name: string;
  image: string;
  /** The payload component of `image`, matched by digest. */
  component?: string;
  init?: boolean;
  /** Env values and args that are component pullspecs (OPERATOR_IMAGE and friends). */
  references: ImageUse[];
}

export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'Job' | 'CronJob';

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** Manifest file it comes from. */
  file: string;
  containers: WorkloadContainer[];
}

/** A CVO component: the manifests sharing `0000_<runlevel>_<name>_` prefixes. */
export interface Operator {
  name: string;
  /** Distinct run levels of its manifests, sorted ('50', '90'). */
  runlevels: string[];
  /** Namespaces it creates or deploys workloads into, sorted. */
  namespaces: string[];
  /** Deployments (and other workloads); named `deployments` because that is what users patch. */
  deployments: Workload[];
  clusterOperators: string[];
  /** Manifest file names, sorted. */
  manifests: string[];
  /** Component names its workloads reference (containers, env, args), sorted. */
  images: string[];
}

export interface Release {
  /** The pullspec the release was read from, as given. */
  pullSpec: string;
  /** `metadata.name` of image-references. */
  name: string;
  /** release-metadata version, else the image stream name (oc's PreferredName). */
  version: string;
  /** Digest of the image manifest for this platform. */
  digest: string;
  /** Digest of the manifest list / OCI index for multi-arch payloads. */
  listDigest?: string;
  /** Image config `created`, ISO 8601. */
  created: string;
  os: string;
  architecture: string;
  /** `os/arch[/variant]` of every entry of a manifest list. */
  platforms?: string[];
  metadata?: ReleaseMetadata;
  components: Component[];
  /** Aggregated `io.openshift.build.versions` of all components. */
  componentVersions: Record<string, ComponentVersion>;
  operators: Operator[];
  manifests: ManifestFile[];
  /** Files of release-manifests/ that are neither manifests nor image-references/release-metadata. */
  metadataFiles: string[];
  imageStreamAnnotations: Record<string, string>;
  /** Image config labels (`io.openshift.release`, `io.openshift.release.base-image-digest`). */
  labels: Record<string, string>;
  /** Non-fatal problems found while reading (duplicate tags, conflicting versions, unparsable manifests). */
  warnings: string[];
  /**
   * Set when the release was read by tag while its registry could not be reached: this is the payload the tag named
   * when it was last read (from the cache), which may no longer be what the tag names.
   */
  offline?: OfflineTag;
}

export interface OfflineTag {
  /** When the tag was last resolved to this payload, ISO 8601. */
  resolvedAt: string;
  /** Why the registry was not asked: the error of the failed resolve. */
  reason: string;
}

export const ANNOTATION_COMMIT = 'io.openshift.build.commit.id';
export const ANNOTATION_REF = 'io.openshift.build.commit.ref';
export const ANNOTATION_SOURCE = 'io.openshift.build.source-location';
export const ANNOTATION_VERSIONS = 'io.openshift.build.versions';
export const ANNOTATION_DISPLAY_NAMES = 'io.openshift.build.version-display-names';
export const ANNOTATION_OVERRIDE = 'io.openshift.release.override';
export const LABEL_RELEASE = 'io.openshift.release';
export const LABEL_BASE_IMAGE_DIGEST = 'io.openshift.release.base-image-digest';

import { createHash } from 'node:crypto';
import { loadJsYaml } from '../lazyModules';
import { OkdError } from '../errors';
import { ImageReferences, isObject, parseImageReferences } from './imageReferences';
import { parseReleaseMetadata } from './metadata';
import {
  Component,
  ComponentVersion,
  ImageUse,
  ManifestFile,
  Operator,
  Release,
  Workload,
  WorkloadContainer,
  WorkloadKind,
} from './model';

export const IMAGE_REFERENCES_FILE = 'image-references';
export const RELEASE_METADATA_FILE = 'release-metadata';

/** The CVO's manifest name pattern: `0000_<runlevel>_<component>_<rest>`. */
const CVO_NAME_RE = /^0000_(\d+)_([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*?)_/;
const MANIFEST_EXT_RE = /\.(?:ya?ml|json)$/;
/** Only documents of these kinds are parsed; the rest (CRDs, RBAC, ...) are kept as text. */
const INTERESTING_KINDS = 'Namespace|Deployment|DaemonSet|StatefulSet|Job|CronJob|ClusterOperator';
const YAML_KIND_RE = new RegExp(`^kind:[ \\t]*["']?(?:${INTERESTING_KINDS})["']?[ \\t]*(?:#.*)?$`, 'm');
const JSON_KIND_RE = new RegExp(`"kind"\\s*:\\s*"(?:${INTERESTING_KINDS})"`);
const DIGEST_IN_TEXT_RE = /@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|sha384:[a-f0-9]{96})/g;

/** The image facts a release keeps as they are, plus the files of release-manifests/ (name -> content). */
export type BuildReleaseInput = Pick<Release, 'pullSpec' | 'digest' | 'listDigest' | 'created' | 'os' | 'architecture' | 'platforms' | 'labels'> & {
  files: Map<string, string>;
};

/** The CVO component a manifest file belongs to, from its name; undefined when the name does not follow the pattern. */
export function manifestOwner(file: string): { operator: string; runlevel: string } | undefined {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const m = CVO_NAME_RE.exec(base);
  return m ? { runlevel: m[1] as string, operator: m[2] as string } : undefined;
}

/** Builds the release model from the files of `release-manifests/` and the image config. Pure and synchronous. */
export function buildRelease(input: BuildReleaseInput): Release {
  const refsText = input.files.get(IMAGE_REFERENCES_FILE);
  if (refsText === undefined) {
    throw new OkdError(
      'not-a-payload',
      `${input.pullSpec} has no release-manifests/image-references`,
      'check that the image is a release payload (quay.io/okd/scos-release:<tag>), not a component image',
    );
  }
  const refs = parseImageReferences(refsText, `image-references of ${input.pullSpec}`);
  const metadataText = input.files.get(RELEASE_METADATA_FILE);
  const metadata = metadataText === undefined ? undefined : parseReleaseMetadata(metadataText, `release-metadata of ${input.pullSpec}`);
  const warnings = [...refs.warnings];

  const index = indexComponents(refs.components);
  const manifests: ManifestFile[] = [];
  const metadataFiles: string[] = [];
  const byOperator = new Map<string, OperatorAccumulator>();

  const names = [...input.files.keys()].sort();
  for (const file of names) {
    if (file === IMAGE_REFERENCES_FILE || file === RELEASE_METADATA_FILE) continue;
    const content = input.files.get(file) as string;
    if (!MANIFEST_EXT_RE.test(file)) {
      metadataFiles.push(file);
      continue;
    }
    const manifest: ManifestFile = {
      file,
      size: Buffer.byteLength(content, 'utf8'),
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
    };
    const owner = manifestOwner(file);
    let acc: OperatorAccumulator | undefined;
    if (owner) {
      manifest.operator = owner.operator;
      manifest.runlevel = owner.runlevel;
      acc = byOperator.get(owner.operator);
      if (!acc) {
        acc = newAccumulator(owner.operator);
        byOperator.set(owner.operator, acc);
      }
      acc.runlevels.add(owner.runlevel);
      acc.manifests.push(file);
    }
    const objects = interestingObjects(file, content, manifest, warnings);
    if (acc) for (const obj of objects) addObject(acc, obj, file, index);
    manifests.push(manifest);
  }

  const operators = [...byOperator.values()].map(finishOperator);
  // Byte order, as oc sorts: localeCompare would also cost ICU's start-up, several ms of a cold `release info`.
  operators.sort((a, b) => Number(a.runlevels[0]) - Number(b.runlevels[0]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const release: Release = {
    pullSpec: input.pullSpec,
    name: refs.name,
    version: metadata?.version || refs.name,
    digest: input.digest,
    created: input.created,
    os: input.os,
    architecture: input.architecture,
    components: refs.components,
    componentVersions: aggregateComponentVersions(refs, warnings),
    operators,
    manifests,
    metadataFiles,
    imageStreamAnnotations: refs.annotations,
    labels: { ...input.labels },
    warnings,
  };
  if (input.listDigest) release.listDigest = input.listDigest;
  if (input.platforms && input.platforms.length > 0) release.platforms = [...input.platforms];
  if (metadata) release.metadata = metadata;
  return release;
}

interface ComponentIndex {
  byDigest: Map<string, string>;
  byPullSpec: Map<string, string>;
}

function indexComponents(components: Component[]): ComponentIndex {
  const byDigest = new Map<string, string>();
  const byPullSpec = new Map<string, string>();
  for (const c of components) {
    if (c.digest && !byDigest.has(c.digest)) byDigest.set(c.digest, c.name);
    if (!byPullSpec.has(c.pullSpec)) byPullSpec.set(c.pullSpec, c.name);
  }
  return { byDigest, byPullSpec };
}

/** The component a pullspec names: by digest (the way payload manifests reference images), else by exact pullspec. */
function resolveImage(value: string, index: ComponentIndex): string | undefined {
  const at = value.lastIndexOf('@');
  if (at >= 0) {
    const byDigest = index.byDigest.get(value.slice(at + 1));
    if (byDigest) return byDigest;
  }
  return index.byPullSpec.get(value);
}

/** Component references inside free text (env values, args such as `-images=prometheus=<pullspec>`). */
function referencesIn(field: string, value: string, index: ComponentIndex, out: ImageUse[]): void {
  const exact = index.byPullSpec.get(value);
  if (exact) {
    out.push({ field, value, component: exact });
    return;
  }
  if (value.indexOf('@') < 0) return;
  DIGEST_IN_TEXT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = DIGEST_IN_TEXT_RE.exec(value))) {
    const component = index.byDigest.get(m[1] as string);
    if (component) out.push({ field, value, component });
  }
}

function interestingObjects(file: string, content: string, manifest: ManifestFile, warnings: string[]): Record<string, unknown>[] {
  const isJson = file.endsWith('.json');
  if (!(isJson ? JSON_KIND_RE : YAML_KIND_RE).test(content)) return [];
  const objects: Record<string, unknown>[] = [];
  try {
    if (isJson) {
      collect(JSON.parse(content), objects);
    } else {
      // Only documents of interesting kinds are parsed. js-yaml, not the `yaml` package used elsewhere: it loads
      // payload manifests about 8x faster, and parsing is the cost of building a release.
      for (const text of splitYamlDocuments(content)) {
        if (YAML_KIND_RE.test(text)) loadJsYaml().loadAll(text, (doc) => collect(doc, objects), { filename: file, json: true });
      }
    }
  } catch (err) {
    manifest.parseError = ((err as Error).message.split('\n')[0] as string).trim();
    warnings.push(`manifest ${file} could not be parsed, its objects are ignored: ${manifest.parseError}`);
    return [];
  }
  return objects;
}

/**
 * Splits a multi-document YAML stream at `---` lines. A `---` inside a block scalar would be indented, so a line
 * starting with `---` at column 0 always starts a document. Whatever follows `---` on the same line stays with it.
 */
export function splitYamlDocuments(content: string): string[] {
  if (!content.includes('\n---') && !content.startsWith('---')) return [content];
  const docs: string[] = [];
  const re = /^---(?=[ \t]|$)/gm;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(content))) {
    if (m.index > start) docs.push(content.slice(start, m.index));
    start = m.index + 3;
  }
  docs.push(content.slice(start));
  return docs.filter((d) => d.trim().length > 0);
}

function collect(value: unknown, out: Record<string, unknown>[]): void {
  if (!isObject(value)) return; // empty documents parse to null
  if (typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])) {
    for (const item of value['items']) collect(item, out);
    return;
  }
  out.push(value);
}

interface OperatorAccumulator {
  name: string;
  runlevels: Set<string>;
  namespaces: Set<string>;
  deployments: Workload[];
  clusterOperators: Set<string>;
  manifests: string[];
  images: Set<string>;
}

function newAccumulator(name: string): OperatorAccumulator {
  return { name, runlevels: new Set(), namespaces: new Set(), deployments: [], clusterOperators: new Set(), manifests: [], images: new Set() };
}

function finishOperator(acc: OperatorAccumulator): Operator {
  return {
    name: acc.name,
    runlevels: [...acc.runlevels].sort((a, b) => Number(a) - Number(b)),
    namespaces: [...acc.namespaces].sort(),
    deployments: acc.deployments,
    clusterOperators: [...acc.clusterOperators].sort(),
    manifests: acc.manifests,
    images: [...acc.images].sort(),
  };
}

function addObject(acc: OperatorAccumulator, obj: Record<string, unknown>, file: string, index: ComponentIndex): void {
  const kind = obj['kind'];
  const meta = isObject(obj['metadata']) ? obj['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  switch (kind) {
    case 'Namespace':
      if (name) acc.namespaces.add(name);
      return;
    case 'ClusterOperator':
      if (name) acc.clusterOperators.add(name);
      return;
    case 'Deployment':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'Job':
    case 'CronJob': {
      const podSpec = podSpecOf(kind, obj);
      if (!podSpec) return;
      const workload: Workload = { kind, namespace, name, file, containers: [] };
      for (const [key, init] of [['initContainers', true], ['containers', false]] as const) {
        const list = podSpec[key];
        if (!Array.isArray(list)) continue;
        for (const c of list) {
          if (!isObject(c)) continue;
          const container = containerOf(c, init, index);
          if (container.component) acc.images.add(container.component);
          for (const r of container.references) if (r.component) acc.images.add(r.component);
          workload.containers.push(container);
        }
      }
      if (namespace) acc.namespaces.add(namespace);
      acc.deployments.push(workload);
      return;
    }
    default:
      return;
  }
}

function podSpecOf(kind: WorkloadKind, obj: Record<string, unknown>): Record<string, unknown> | undefined {
  let spec = obj['spec'];
  if (kind === 'CronJob') {
    const jobTemplate = isObject(spec) ? spec['jobTemplate'] : undefined;
    spec = isObject(jobTemplate) ? jobTemplate['spec'] : undefined;
  }
  const template = isObject(spec) ? spec['template'] : undefined;
  const podSpec = isObject(template) ? template['spec'] : undefined;
  return isObject(podSpec) ? podSpec : undefined;
}

function containerOf(c: Record<string, unknown>, init: boolean, index: ComponentIndex): WorkloadContainer {
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  const container: WorkloadContainer = { name: typeof c['name'] === 'string' ? c['name'] : '', image, references: [] };
  if (init) container.init = true;
  const component = image ? resolveImage(image, index) : undefined;
  if (component) container.component = component;
  if (Array.isArray(c['env'])) {
    for (const e of c['env']) {
      if (isObject(e) && typeof e['name'] === 'string' && typeof e['value'] === 'string') {
        referencesIn(`env:${e['name']}`, e['value'], index, container.references);
      }
    }
  }
  for (const field of ['command', 'args'] as const) {
    const list = c[field];
    if (!Array.isArray(list)) continue;
    for (const arg of list) if (typeof arg === 'string') referencesIn(field, arg, index, container.references);
  }
  return container;
}

/**
 * Release-wide component versions, as oc computes them: every component's `io.openshift.build.versions` merged;
 * a key reported with two different versions is a warning.
 */
function aggregateComponentVersions(refs: ImageReferences, warnings: string[]): Record<string, ComponentVersion> {
  const out: Record<string, ComponentVersion> = {};
  const conflicting = new Set<string>();
  for (const c of refs.components) {
    for (const [key, version] of Object.entries(c.versions)) {
      const existing = out[key];
      if (!existing) {
        out[key] = { version };
      } else if (existing.version !== version) {
        conflicting.add(key);
      }
    }
    for (const [key, displayName] of Object.entries(c.versionDisplayNames)) {
      const existing = out[key];
      if (existing && !existing.displayName && displayName) existing.displayName = displayName;
    }
  }
  if (conflicting.size > 0) {
    warnings.push(`multiple versions reported for the following component(s): ${[...conflicting].sort().join(', ')}`);
  }
  return out;
}

import { loadYaml } from '../lazyModules';
import { OkdError } from '../errors';
import { tryParsePullspec } from '../pullspec';
import {
  ANNOTATION_COMMIT,
  ANNOTATION_DISPLAY_NAMES,
  ANNOTATION_OVERRIDE,
  ANNOTATION_REF,
  ANNOTATION_SOURCE,
  ANNOTATION_VERSIONS,
  Component,
} from './model';

/** `release-manifests/image-references`, parsed. */
export interface ImageReferences {
  /** `metadata.name`: the release name. */
  name: string;
  creationTimestamp?: string;
  annotations: Record<string, string>;
  components: Component[];
  warnings: string[];
}

/**
 * Parses image-references: a JSON ImageStream in payloads, YAML in operator repositories and the CVO test data.
 * Tags whose `from.kind` is not DockerImage are skipped, as oc does.
 */
export function parseImageReferences(text: string, source = 'image-references'): ImageReferences {
  const doc = parseDocument(text, source);
  if (!isObject(doc) || doc['kind'] !== 'ImageStream' || doc['apiVersion'] !== 'image.openshift.io/v1') {
    const kind = isObject(doc) ? `kind ${JSON.stringify(doc['kind'] ?? null)}, apiVersion ${JSON.stringify(doc['apiVersion'] ?? null)}` : 'not an object';
    throw new OkdError(
      'not-a-payload',
      `${source} is not an image.openshift.io/v1 ImageStream (${kind})`,
      'check that the image is a release payload (its release-manifests/ folder holds image-references)',
    );
  }
  const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
  const spec = isObject(doc['spec']) ? doc['spec'] : {};
  const tags = Array.isArray(spec['tags']) ? spec['tags'] : [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const components: Component[] = [];
  for (const tag of tags) {
    if (!isObject(tag) || typeof tag['name'] !== 'string') continue;
    const from = isObject(tag['from']) ? tag['from'] : undefined;
    if (!from || from['kind'] !== 'DockerImage' || typeof from['name'] !== 'string') continue;
    const name = tag['name'];
    if (seen.has(name)) {
      warnings.push(`${source}: tag ${name} appears more than once; the first is used`);
      continue;
    }
    seen.add(name);
    components.push(componentOf(name, from['name'], stringMap(tag['annotations'])));
  }
  const result: ImageReferences = {
    name: typeof metadata['name'] === 'string' ? metadata['name'] : '',
    annotations: stringMap(metadata['annotations']),
    components,
    warnings,
  };
  if (typeof metadata['creationTimestamp'] === 'string') result.creationTimestamp = metadata['creationTimestamp'];
  return result;
}

function componentOf(name: string, pullSpec: string, annotations: Record<string, string>): Component {
  const commit = annotations[ANNOTATION_COMMIT] ?? '';
  const source = annotations[ANNOTATION_SOURCE] ?? '';
  const component: Component = {
    name,
    pullSpec,
    digest: tryParsePullspec(pullSpec)?.digest ?? '',
    commit,
    ref: annotations[ANNOTATION_REF] ?? '',
    source,
    versions: parseKeyValueList(annotations[ANNOTATION_VERSIONS] ?? ''),
    versionDisplayNames: parseKeyValueList(annotations[ANNOTATION_DISPLAY_NAMES] ?? ''),
    override: annotations[ANNOTATION_OVERRIDE] === 'true',
    annotations,
  };
  const url = commitUrl(source, commit);
  if (url) component.commitUrl = url;
  return component;
}

function parseDocument(text: string, source: string): unknown {
  const trimmed = text.trimStart();
  try {
    // JSON.parse is an order of magnitude faster than the YAML parser for the 100 KB payload file.
    if (trimmed.startsWith('{')) return JSON.parse(trimmed);
  } catch {
    // not strict JSON; YAML is a superset, try that
  }
  try {
    return loadYaml().parse(text);
  } catch (err) {
    throw new OkdError('not-a-payload', `${source} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`, undefined, { cause: err });
  }
}

/** `kubernetes=1.22.1,machine-os=410.84` -> {kubernetes: '1.22.1', 'machine-os': '410.84'}. */
export function parseKeyValueList(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (key) out[key] = v;
  }
  return out;
}

/**
 * `https://github.com/<org>/<repo>` for a source location on github.com (https, http, git@ or ssh forms, with or
 * without `.git`), else undefined.
 */
export function githubRepoUrl(source: string): string | undefined {
  let s = source.trim();
  const ssh = /^(?:ssh:\/\/)?git@github\.com[:/](.+)$/.exec(s);
  if (ssh) s = `https://github.com/${ssh[1]}`;
  const m = /^(?:https?|git):\/\/(?:www\.)?github\.com\/([^/?#]+)\/([^/?#]+)/i.exec(s);
  if (!m) return undefined;
  const org = m[1] as string;
  const repo = (m[2] as string).replace(/\.git$/, '');
  if (!org || !repo) return undefined;
  return `https://github.com/${org}/${repo}`;
}

export function commitUrl(source: string, commit: string): string | undefined {
  const repo = commit ? githubRepoUrl(source) : undefined;
  return repo ? `${repo}/commit/${commit}` : undefined;
}

export function compareUrl(source: string, fromCommit: string, toCommit: string): string | undefined {
  const repo = fromCommit && toCommit ? githubRepoUrl(source) : undefined;
  return repo ? `${repo}/compare/${fromCommit}...${toCommit}` : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

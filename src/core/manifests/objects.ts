import { loadJsYaml } from '../lazyModules';
import { isObject } from '../release/imageReferences';
import { splitYamlDocuments } from '../release/operators';

/** A Kubernetes object as plain JSON: a manifest's document, or what the API server answered. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Which object: what a GET needs, and what an override names. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** '' for a cluster-scoped object (or a manifest that names none). */
  namespace: string;
  name: string;
}

export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

/** `apps/v1` -> `apps`, `v1` -> '' (the core group, as overrides spell it). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `CustomResourceDefinition.apiextensions.k8s.io/things.example.com`, `Role.rbac.authorization.k8s.io/ns/name`. */
export function formatRef(ref: ObjectRef): string {
  const group = groupOf(ref.apiVersion);
  const type = group ? `${ref.kind}.${group}` : ref.kind;
  return ref.namespace ? `${type}/${ref.namespace}/${ref.name}` : `${type}/${ref.name}`;
}

/** Same object (group, kind, namespace, name); the version does not matter, as for the API server. */
export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

export function isKubeObject(value: unknown): value is KubeObject {
  if (!isObject(value) || typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string') return false;
  const metadata = value['metadata'];
  return isObject(metadata) && typeof metadata['name'] === 'string' && metadata['name'] !== '';
}

/**
 * The objects of one manifest file, as the CVO reads them: every YAML document (or the JSON document), `*List`
 * kinds expanded to their items. Empty documents are skipped; a document that is not an object with apiVersion,
 * kind and metadata.name is an error naming the file and the document.
 */
export function parseManifestObjects(file: string, text: string): KubeObject[] {
  const docs: unknown[] = [];
  if (file.endsWith('.json')) {
    docs.push(JSON.parse(text));
  } else {
    for (const part of splitYamlDocuments(text)) loadJsYaml().loadAll(part, (doc) => docs.push(doc), { filename: file, json: true });
  }
  const out: KubeObject[] = [];
  const collect = (doc: unknown, where: string): void => {
    if (doc === null || doc === undefined) return;
    if (isObject(doc) && typeof doc['kind'] === 'string' && doc['kind'].endsWith('List') && Array.isArray(doc['items'])) {
      doc['items'].forEach((item, i) => collect(item, `${where}, item ${i + 1}`));
      return;
    }
    if (!isKubeObject(doc)) throw new Error(`${where} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
    out.push(doc);
  };
  docs.forEach((doc, i) => collect(doc, `document ${i + 1}`));
  return out;
}

// The object verbs: get, list, create, update (PUT), patch and delete on a resource or its status subresource.
import { errors } from './errors';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { apiVersionOf, resourceByPlural, type ResourceDef } from './resources';
import { fieldSelector, labelSelector } from './selectors';
import type { KubeObject, ObjectStore } from './store';
import { toTable, wantsTable } from './table';

export interface ResourceRequest {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
  method: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
  /** The Accept header: `as=Table` asks for server-side printing. */
  accept?: string;
}

export interface Reply {
  code: number;
  body: unknown;
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw errors.badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
  }
}

function asObject(def: ResourceDef, body: string): KubeObject {
  const obj = parseBody(body) as KubeObject;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw errors.badRequest('the body of the request is not an object');
  obj.metadata ??= { name: '' };
  if (obj.kind && obj.kind !== def.kind) {
    throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(def)})`);
  }
  return obj;
}

export function listObjects(store: ObjectStore, req: Pick<ResourceRequest, 'def' | 'namespace' | 'query'>): KubeObject[] {
  const byLabel = labelSelector(req.query.get('labelSelector'));
  const byField = fieldSelector(req.query.get('fieldSelector'));
  return store.list(req.def, req.namespace).filter((o) => byLabel(o) && byField(o));
}

function checkNamespace(req: ResourceRequest, obj: KubeObject): void {
  if (!req.def.namespaced) return;
  if (obj.metadata.namespace && obj.metadata.namespace !== req.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = req.namespace;
}

function namespaceExists(store: ObjectStore, namespace: string | undefined): void {
  const nsDef = resourceByPlural('namespaces');
  if (namespace && !store.get(nsDef, undefined, namespace)) throw errors.notFound(nsDef, namespace);
}

function applyPatch(def: ResourceDef, current: KubeObject, contentType: string, body: string): KubeObject {
  const type = contentType.split(';')[0].trim();
  const patch = parseBody(body);
  switch (type) {
    case 'application/merge-patch+json':
      return mergePatch(current, patch) as unknown as KubeObject;
    case 'application/json-patch+json':
      return jsonPatch(current, patch) as unknown as KubeObject;
    case 'application/strategic-merge-patch+json':
      // Custom resources (ClusterVersion, ClusterOperator) have no strategic merge metadata, as on a real cluster.
      if (def.group === 'config.openshift.io') throw errors.unsupportedMediaType(type);
      return strategicMergePatch(current, patch) as unknown as KubeObject;
    default:
      throw errors.unsupportedMediaType(type);
  }
}

export function handleObject(store: ObjectStore, req: ResourceRequest): Reply {
  const { def, namespace, name, subresource, method } = req;
  const statusOnly = subresource === 'status';
  if (subresource && !statusOnly) throw errors.notFoundPath();
  if (!name) {
    if (method === 'GET') {
      const items = listObjects(store, req);
      if (wantsTable(req.accept)) return { code: 200, body: toTable(def.kind, items, String(store.currentResourceVersion())) };
      return {
        code: 200,
        body: { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(store.currentResourceVersion()) }, items },
      };
    }
    if (method === 'POST') {
      const obj = asObject(def, req.body);
      checkNamespace(req, obj);
      namespaceExists(store, obj.metadata.namespace);
      // As on a real server, a create cannot set status where status is a subresource (pods start Pending).
      if (def.subresources.includes('status')) delete obj.status;
      if (def.kind === 'Pod') obj.status = { phase: 'Pending' };
      if (def.kind === 'Namespace') {
        obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
        obj.status = { phase: 'Active' };
      }
      return { code: 201, body: store.create(def, obj) };
    }
    throw errors.methodNotAllowed();
  }
  switch (method) {
    case 'GET': {
      const obj = store.mustGet(def, namespace, name);
      if (wantsTable(req.accept) && !statusOnly) return { code: 200, body: toTable(def.kind, [obj], obj.metadata.resourceVersion ?? '') };
      return { code: 200, body: obj };
    }
    case 'PUT': {
      const obj = asObject(def, req.body);
      if (obj.metadata.name && obj.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      obj.metadata.name = name;
      checkNamespace(req, obj);
      store.mustGet(def, namespace, name);
      return { code: 200, body: store.update(def, obj, statusOnly ? { subresource: 'status' } : {}) };
    }
    case 'PATCH': {
      const current = store.mustGet(def, namespace, name);
      const patched = applyPatch(def, current, req.contentType, req.body);
      if (!patched || typeof patched !== 'object') throw errors.badRequest('the patch did not produce an object');
      patched.metadata = { ...(patched.metadata ?? {}), name };
      if (def.namespaced) patched.metadata.namespace = namespace;
      return { code: 200, body: store.update(def, patched, statusOnly ? { subresource: 'status' } : {}) };
    }
    case 'DELETE':
      if (statusOnly) throw errors.methodNotAllowed();
      return { code: 200, body: store.delete(def, namespace, name) };
    default:
      throw errors.methodNotAllowed();
  }
}

// Any object by apiVersion/kind/namespace/name, as raw JSON. client-node's KubernetesObjectApi is not used: it
// turns answers into its typed models, which rename fields (a CRD schema's `x-kubernetes-*` keys) and would
// write them back wrong; here bodies go to and from the API server untouched.
import * as http from 'node:http';
import * as https from 'node:https';
import type { ClusterClient } from '../cluster/client';
import { clusterError, type RequestWhat } from '../cluster/errors';
import { ApiStatusError } from '../cluster/request';
import { OkdError } from '../errors';
import { groupOf, type KubeObject, type ObjectRef } from './objects';

/** What discovery says of a kind: its plural (the URL's resource) and whether objects live in a namespace. */
export interface ApiResource {
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

interface FetchOptions {
  agent?: http.Agent;
  headers?: { forEach(callback: (value: string, key: string) => void): void };
}

export class ObjectApi {
  private readonly discovery = new Map<string, Promise<ApiResourceList | undefined>>();

  constructor(readonly client: ClusterClient) {}

  /** The resource of a kind (discovery of its group version, cached); undefined when the cluster does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const find = (list: ApiResourceList | undefined) => list?.resources?.find((r) => r.kind === kind && !r.name.includes('/'));
    let found = find(await this.discoveryOf(apiVersion));
    if (!found) {
      // A CRD created a moment ago: ask again once.
      this.discovery.delete(apiVersion);
      found = find(await this.discoveryOf(apiVersion));
    }
    return found ? { plural: found.name, namespaced: found.namespaced } : undefined;
  }

  private discoveryOf(apiVersion: string): Promise<ApiResourceList | undefined> {
    let list = this.discovery.get(apiVersion);
    if (!list) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      list = this.send<ApiResourceList>('GET', path, {}, undefined, { verb: 'get', resource: `discovery ${apiVersion}` }).catch((err: unknown) => {
        if (err instanceof OkdError && err.kind === 'not-found') return undefined;
        throw err;
      });
      list.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, list);
    }
    return list;
  }

  /** The resource of `ref`, or an error naming the kind the cluster does not serve. */
  async mustResource(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): Promise<ApiResource> {
    const r = await this.resource(ref.apiVersion, ref.kind);
    if (!r) {
      throw new OkdError('not-found', `cluster ${this.client.server} does not serve ${ref.kind} in ${ref.apiVersion}`, 'check the apiVersion, or apply the CustomResourceDefinition that defines it first');
    }
    return r;
  }

  /** The collection holding `ref` (for a watch by name). */
  async collectionOf(ref: ObjectRef): Promise<string> {
    return this.collection(ref.apiVersion, await this.mustResource(ref), ref.namespace);
  }

  private collection(apiVersion: string, r: ApiResource, namespace: string): string {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return r.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
  }

  private what(verb: RequestWhat['verb'], ref: ObjectRef, r: ApiResource): RequestWhat {
    const group = groupOf(ref.apiVersion);
    return { verb, resource: group ? `${r.plural}.${group}` : r.plural, name: ref.name, ...(r.namespaced && ref.namespace ? { namespace: ref.namespace } : {}) };
  }

  /** GET the object; undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const r = await this.mustResource(ref);
    try {
      return await this.send<KubeObject>('GET', `${this.collection(ref.apiVersion, r, ref.namespace)}/${encodeURIComponent(ref.name)}`, {}, undefined, this.what('get', ref, r));
    } catch (err) {
      if (err instanceof OkdError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
    const r = await this.mustResource(ref);
    return this.send<KubeObject>('POST', this.collection(ref.apiVersion, r, ref.namespace), { fieldManager: 'okd-dev' }, obj, this.what('create', ref, r));
  }

  /** PUT: an update guarded by the resourceVersion the object carries (409 when someone wrote it meanwhile). */
  async replace(obj: KubeObject): Promise<KubeObject> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
    const r = await this.mustResource(ref);
    return this.send<KubeObject>('PUT', `${this.collection(ref.apiVersion, r, ref.namespace)}/${encodeURIComponent(ref.name)}`, { fieldManager: 'okd-dev' }, obj, this.what('update', ref, r));
  }

  /** DELETE (background propagation); false when it was already gone. */
  async delete(ref: ObjectRef): Promise<boolean> {
    const r = await this.mustResource(ref);
    try {
      await this.send('DELETE', `${this.collection(ref.apiVersion, r, ref.namespace)}/${encodeURIComponent(ref.name)}`, {}, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, this.what('delete', ref, r));
      return true;
    } catch (err) {
      if (err instanceof OkdError && err.kind === 'not-found') return false;
      throw err;
    }
  }

  /** Objects of a kind in every namespace (or in `namespace`) with this label selector. */
  async list(apiVersion: string, kind: string, labelSelector: string, namespace = ''): Promise<KubeObject[]> {
    const r = await this.mustResource({ apiVersion, kind });
    const group = groupOf(apiVersion);
    const what: RequestWhat = { verb: 'list', resource: group ? `${r.plural}.${group}` : r.plural, ...(namespace ? { namespace } : {}) };
    const list = await this.send<{ items?: KubeObject[] }>('GET', this.collection(apiVersion, r, namespace), { labelSelector }, undefined, what);
    // A LIST's items carry no apiVersion/kind.
    return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
  }

  private async send<T>(method: string, path: string, query: Record<string, string>, body: unknown, what: RequestWhat): Promise<T> {
    try {
      return await this.request<T>(method, path, query, body);
    } catch (err) {
      this.client.logger.debug(`${method} ${path}: ${(err as Error).message?.split('\n')[0]}`);
      throw clusterError(err, what, this.client);
    }
  }

  private async request<T>(method: string, path: string, query: Record<string, string>, body: unknown): Promise<T> {
    const kubeConfig = this.client.config.kubeConfig;
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig context has no cluster');
    const url = new URL(server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    // client-node applies the kubeconfig's credentials (tokens, exec plugins, client certificates), TLS and proxy.
    const options = (await kubeConfig.applyToFetchOptions({})) as unknown as FetchOptions;
    const headers: Record<string, string> = { Accept: 'application/json' };
    options.headers?.forEach((value, key) => (headers[key] = value));
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const transport = url.protocol === 'http:' ? http : https;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { method, headers, ...(options.agent ? { agent: options.agent } : {}) }, resolve);
      req.on('error', reject);
      req.setTimeout(60_000, () => req.destroy(Object.assign(new Error('no answer for 60 s'), { code: 'ETIMEDOUT' })));
      req.end(payload);
    });
    let text = '';
    res.setEncoding('utf8');
    for await (const chunk of res) text += chunk as string;
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return (text ? JSON.parse(text) : {}) as T;
    let status: { message?: string; reason?: string; code?: number } = { code };
    try {
      status = JSON.parse(text) as typeof status;
    } catch {
      const message = text.trim().split('\n')[0]?.slice(0, 500);
      if (message) status = { code, message };
    }
    throw new ApiStatusError(code, status);
  }
}

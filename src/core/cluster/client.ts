import type { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { type Logger, silentLogger } from '../log';
import { type ClusterWhere, clusterError, type RequestWhat } from './errors';
import { type KubeModule, loadKube } from './kube';
import { type KubeconfigOptions, type LoadedKubeconfig, loadKubeconfig } from './kubeconfig';
import type { ClusterOperator, ClusterVersion, Deployment, JsonPatchOp, Pod } from './types';

export interface ConnectOptions extends KubeconfigOptions {
  logger?: Logger;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  stop(): void;
}

const CONFIG_GROUP = 'config.openshift.io';

/**
 * The cluster as the cluster code sees it: one kubeconfig context, the few reads, patches and watches it needs,
 * and every failure turned into an OkdError that names the context and the object.
 */
export class ClusterClient implements ClusterWhere {
  private readonly custom: CustomObjectsApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;

  private constructor(
    private readonly kube: KubeModule,
    readonly config: LoadedKubeconfig,
    readonly logger: Logger,
  ) {
    this.custom = config.kubeConfig.makeApiClient(kube.CustomObjectsApi);
    this.apps = config.kubeConfig.makeApiClient(kube.AppsV1Api);
    this.core = config.kubeConfig.makeApiClient(kube.CoreV1Api);
  }

  static async connect(options: ConnectOptions = {}): Promise<ClusterClient> {
    const [kube, config] = await Promise.all([loadKube(), loadKubeconfig(options)]);
    return new ClusterClient(kube, config, options.logger ?? silentLogger);
  }

  get context(): string {
    return this.config.context;
  }

  get server(): string {
    return this.config.server;
  }

  get user(): string {
    return this.config.user;
  }

  getClusterVersion(): Promise<ClusterVersion> {
    return this.call({ verb: 'get', resource: `clusterversions.${CONFIG_GROUP}`, name: 'version' }, () =>
      this.custom.getClusterCustomObject({ group: CONFIG_GROUP, version: 'v1', plural: 'clusterversions', name: 'version' }),
    );
  }

  patchClusterVersion(ops: JsonPatchOp[]): Promise<ClusterVersion> {
    return this.call({ verb: 'patch', resource: `clusterversions.${CONFIG_GROUP}`, name: 'version' }, () =>
      this.custom.patchClusterCustomObject(
        { group: CONFIG_GROUP, version: 'v1', plural: 'clusterversions', name: 'version', body: ops, fieldManager: 'okd-dev' },
        this.kube.setHeaderOptions('Content-Type', this.kube.PatchStrategy.JsonPatch),
      ),
    );
  }

  async listClusterOperators(): Promise<ClusterOperator[]> {
    return (await this.listClusterOperatorsAt()).items;
  }

  /** The ClusterOperators and the list's resourceVersion (where a watch starts). */
  async listClusterOperatorsAt(): Promise<{ items: ClusterOperator[]; resourceVersion?: string }> {
    const list = await this.call<{ items?: ClusterOperator[]; metadata?: { resourceVersion?: string } }>({ verb: 'list', resource: `clusteroperators.${CONFIG_GROUP}` }, () =>
      this.custom.listClusterCustomObject({ group: CONFIG_GROUP, version: 'v1', plural: 'clusteroperators' }),
    );
    return { items: list.items ?? [], ...(list.metadata?.resourceVersion ? { resourceVersion: list.metadata.resourceVersion } : {}) };
  }

  getDeployment(namespace: string, name: string): Promise<Deployment> {
    return this.call({ verb: 'get', resource: 'deployments.apps', namespace, name }, () => this.apps.readNamespacedDeployment({ namespace, name }));
  }

  patchDeployment(namespace: string, name: string, ops: JsonPatchOp[]): Promise<Deployment> {
    return this.call({ verb: 'patch', resource: 'deployments.apps', namespace, name }, () =>
      this.apps.patchNamespacedDeployment(
        { namespace, name, body: ops, fieldManager: 'okd-dev' },
        this.kube.setHeaderOptions('Content-Type', this.kube.PatchStrategy.JsonPatch),
      ),
    );
  }

  /** Deployments in every namespace with this label selector. */
  async listDeployments(labelSelector: string): Promise<Deployment[]> {
    const list = await this.call({ verb: 'list', resource: 'deployments.apps' }, () => this.apps.listDeploymentForAllNamespaces({ labelSelector }));
    return (list as { items?: Deployment[] }).items ?? [];
  }

  async listPods(namespace: string, labelSelector: string): Promise<Pod[]> {
    const list = await this.call({ verb: 'list', resource: 'pods', namespace }, () => this.core.listNamespacedPod({ namespace, labelSelector }));
    return (list as { items?: Pod[] }).items ?? [];
  }

  /**
   * Watches `path` (a collection URL) from `resourceVersion`, reconnecting from the last event seen when the
   * server closes the stream. `onError` gets failures (401, 403, a 410 Gone, a dropped connection that cannot be
   * resumed); the watch is over then.
   */
  watch<T extends { metadata?: { resourceVersion?: string } }>(
    path: string,
    query: Record<string, string | undefined>,
    onEvent: (type: WatchEventType, object: T) => void,
    onError: (err: Error) => void,
  ): WatchHandle {
    const watcher = new this.kube.Watch(this.config.kubeConfig);
    let stopped = false;
    let controller: AbortController | undefined;
    let resourceVersion = query['resourceVersion'];
    const what: RequestWhat = { verb: 'watch', resource: path.split('/').pop() ?? path };
    const start = () => {
      if (stopped) return;
      watcher
        .watch(
          path,
          { ...query, resourceVersion, allowWatchBookmarks: 'true' },
          (type: string, object: T & { code?: number; message?: string }) => {
            if (stopped) return;
            if (type === 'ERROR') {
              stopped = true;
              controller?.abort();
              onError(clusterError(Object.assign(new Error(object.message ?? 'watch error'), { code: object.code, body: object }), what, this));
              return;
            }
            if (object?.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
            if (type !== 'BOOKMARK') onEvent(type as WatchEventType, object);
          },
          (err: unknown) => {
            if (stopped) return;
            if (err && !(err as Error).name?.includes('Abort')) {
              stopped = true;
              onError(clusterError(err, what, this));
              return;
            }
            setImmediate(start); // the server ended the stream (timeout): resume from the last event
          },
        )
        .then(
          (c) => {
            controller = c;
            if (stopped) c.abort();
          },
          (err: unknown) => {
            if (!stopped) {
              stopped = true;
              onError(clusterError(err, what, this));
            }
          },
        );
    };
    start();
    return {
      stop: () => {
        stopped = true;
        controller?.abort();
      },
    };
  }

  private async call<T>(what: RequestWhat, request: () => Promise<unknown>): Promise<T> {
    try {
      return (await request()) as T;
    } catch (err) {
      this.logger.debug(`${what.verb} ${what.resource}: ${(err as Error).message?.split('\n')[0]}`);
      throw clusterError(err, what, this);
    }
  }
}

import type { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { CancellationTokenLike } from '../cancel';
import { type Logger, silentLogger } from '../log';
import { type ClusterWhere, clusterError, type RequestWhat } from './errors';
import { type KubeModule, loadKube } from './kube';
import { type KubeconfigOptions, type LoadedKubeconfig, loadKubeconfig } from './kubeconfig';
import { ApiRequester, type Query } from './request';
import { defaultRetryPolicy, type RetryPolicy, retryRead } from './retry';
import type { ClusterOperator, ClusterVersion, Deployment, JsonPatchOp, Pod } from './types';
import { inform, type Informer, type InformerHandlers, type InformOptions, type WatchContext, type WatchedObject } from './watch';
import { apiWatchTransport } from './watchStream';

export interface ConnectOptions extends KubeconfigOptions, ConnectTuning {
  logger?: Logger;
}

export interface ConnectTuning {
  /** Backoff of reconnects and retried reads (tests pass a few milliseconds). */
  retry?: Partial<RetryPolicy>;
  /** How long a GET or LIST may stay unanswered (default 60 s). */
  requestTimeoutMs?: number;
}

export type { WatchEventType } from './watchStream';
export type { Informer, InformerHandlers, InformOptions, ObjectEventType, WatchHandle, WatchRetry } from './watch';

const CONFIG_GROUP = 'config.openshift.io';

/**
 * The cluster as the cluster code sees it: one kubeconfig context, the few reads, patches and watches it needs,
 * and every failure turned into an OkdError that names the context and the object.
 */
export class ClusterClient implements ClusterWhere {
  private readonly custom: CustomObjectsApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  readonly retryPolicy: RetryPolicy;
  private readonly watchContext: WatchContext;

  private constructor(
    private readonly kube: KubeModule,
    readonly config: LoadedKubeconfig,
    readonly logger: Logger,
    tuning: ConnectTuning,
  ) {
    this.custom = config.kubeConfig.makeApiClient(kube.CustomObjectsApi);
    this.apps = config.kubeConfig.makeApiClient(kube.AppsV1Api);
    this.core = config.kubeConfig.makeApiClient(kube.CoreV1Api);
    this.retryPolicy = { ...defaultRetryPolicy, ...tuning.retry };
    const transport = apiWatchTransport(new ApiRequester(config.kubeConfig, tuning.requestTimeoutMs));
    this.watchContext = { where: this, logger, policy: this.retryPolicy, transport };
  }

  /** Loads the kubeconfig as kubectl does and obtains the user's credentials (see LoadedKubeconfig.obtainCredentials). */
  static async connect(options: ConnectOptions = {}): Promise<ClusterClient> {
    const [kube, config] = await Promise.all([loadKube(), loadKubeconfig(options)]);
    // Credentials first (an exec plugin may prompt), so a caller's timeout for the cluster can start after them.
    await config.obtainCredentials();
    return new ClusterClient(kube, config, options.logger ?? silentLogger, options);
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
   * List+watch of the collection at `path` (e.g. `/apis/config.openshift.io/v1/clusterversions` with
   * `{fieldSelector: 'metadata.name=version'}`): onSync gets the current objects, then onEvent every change, and
   * onSync again after a re-list (the watch's resourceVersion expired, 410 Gone). Reconnects with backoff through
   * API server restarts, 429 and 5xx; onError only for what will not heal (401, 403, other 4xx).
   */
  inform<T extends WatchedObject>(path: string, query: Query, handlers: InformerHandlers<T>, options: InformOptions = {}): Informer<T> {
    return inform<T>(this.watchContext, path, query, handlers, options);
  }

  /**
   * A read inside a wait (`() => client.getDeployment(ns, name)`), tried again with backoff while the failure
   * heals by itself (connection refused or reset, 429, 5xx); CancelledError when the token is cancelled.
   */
  retryRead<T>(read: () => Promise<T>, options: { what: string; token?: CancellationTokenLike; onRetry?: (why: string, attempt: number, delayMs: number) => void }): Promise<T> {
    return retryRead(read, { policy: this.retryPolicy, logger: this.logger, ...options });
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

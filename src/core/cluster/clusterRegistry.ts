// The cluster's own image registry as a place to push dev images, the way `oc registry info` and `oc registry login`
// find and use it: the hostnames from images.config.openshift.io/cluster (external = the exposed default route, for
// pushing from this machine; internal = the service name the pods pull through), the kubeconfig user's bearer token
// as the password, and the routers' CA from openshift-config-managed/default-ingress-cert for the route's certificate.
// Images go to ROUTE/<namespace>/<component>, an image stream in the namespace of the workload they are for, so the
// pods' ServiceAccounts may pull them (system:image-pullers) through INTERNAL/<namespace>/<component>@<digest>.
import { OkdError } from '../errors';
import { parsePullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { ClusterClient } from './client';
import { canIOnLayers, getImageConfig, getIngressCa, INGRESS_CA } from './clusterRegistryApi';

/** The names the integrated registry always answers to inside a cluster. */
export const INTERNAL_REGISTRY_HOSTS = ['image-registry.openshift-image-registry.svc:5000', 'image-registry.openshift-image-registry.svc.cluster.local:5000'];

export const EXPOSE_ROUTE_COMMAND = `oc patch configs.imageregistry.operator.openshift.io/cluster --type merge -p '{"spec":{"defaultRoute":true}}'`;

export interface ClusterRegistry {
  /** Where the pods pull from: `image-registry.openshift-image-registry.svc:5000`. */
  internal: string;
  /** The exposed route, where this machine pushes: `default-route-openshift-image-registry.apps.…`. */
  route: string;
  /** The ingress CA (PEM) that signs the route's certificate, when the cluster publishes it. */
  caPem?: string;
}

/** Is `host` (host:port) the cluster's internal registry? */
export function isInternalRegistryHost(host: string, registry?: Pick<ClusterRegistry, 'internal'>): boolean {
  return INTERNAL_REGISTRY_HOSTS.includes(host) || host === registry?.internal;
}

/** `oc registry info`: the registry's hostnames; an error that says what to do when it cannot be pushed to. */
export async function discoverClusterRegistry(client: ClusterClient): Promise<ClusterRegistry> {
  const config = await getImageConfig(client).catch((err: unknown) => {
    if (err instanceof OkdError && err.kind === 'not-found') {
      throw new OkdError('not-found', `cluster ${client.server} (context ${client.context}) has no images.config.openshift.io/cluster: it has no integrated image registry`, 'set a dev repository to push to (--to REGISTRY/REPOSITORY, or okd.devRepository)', { cause: err });
    }
    throw err;
  });
  const internal = config.status?.internalRegistryHostname ?? '';
  if (!internal) {
    throw new OkdError('not-found', `the integrated image registry of context ${client.context} is not running: images.config.openshift.io/cluster has no status.internalRegistryHostname`, 'set a dev repository to push to (--to REGISTRY/REPOSITORY, or okd.devRepository), or set the registry operator to Managed');
  }
  const route = config.status?.externalRegistryHostnames?.[0] ?? '';
  if (!route) {
    throw new OkdError(
      'not-found',
      `the image registry of context ${client.context} has no route: images.config.openshift.io/cluster lists no status.externalRegistryHostnames, so it cannot be pushed to from this machine`,
      `expose its default route (\`${EXPOSE_ROUTE_COMMAND}\`), or set a dev repository to push to (--to REGISTRY/REPOSITORY, or okd.devRepository)`,
    );
  }
  const caPem = await getIngressCa(client);
  if (!caPem) client.logger.debug(`no ${INGRESS_CA.namespace}/${INGRESS_CA.name}: the route's certificate must be trusted by this machine`);
  return { internal, route, ...(caPem ? { caPem } : {}) };
}

/** The route of the cluster's registry when it is exposed, else undefined (nothing else is read). */
export async function exposedRegistryRoute(client: ClusterClient): Promise<string | undefined> {
  try {
    return (await getImageConfig(client)).status?.externalRegistryHostnames?.[0] || undefined;
  } catch (err) {
    if (err instanceof OkdError && (err.kind === 'not-found' || err.kind === 'forbidden')) return undefined;
    throw err;
  }
}

/** The user's bearer token, as `oc whoami -t` gives it; a clear error for a client-certificate user. */
export async function kubeconfigBearerToken(client: ClusterClient): Promise<string> {
  const options = (await client.config.kubeConfig.applyToFetchOptions({})) as unknown as { headers?: { forEach(cb: (value: string, key: string) => void): void } };
  let token = '';
  options.headers?.forEach((value, key) => {
    if (key.toLowerCase() === 'authorization' && /^bearer\s+/i.test(value)) token = value.replace(/^bearer\s+/i, '').trim();
  });
  if (!token) {
    throw new OkdError(
      'unauthorized',
      `user ${client.user} of context ${client.context} has no token (a client certificate, or basic auth): the cluster's image registry accepts only a token, as \`oc registry login\` says ("no token is currently in use for this session")`,
      'log in with a token (`oc login --token=… ` or `oc login -u USER`), or set a dev repository to push to (--to REGISTRY/REPOSITORY, or okd.devRepository)',
    );
  }
  return token;
}

/** `oc registry login` for this process only: `registry` (the client) may push to the route with the user's token. */
export async function loginToClusterRegistry(client: ClusterClient, registry: RegistryClient, target: ClusterRegistry): Promise<void> {
  const token = await kubeconfigBearerToken(client);
  registry.addSession(
    target.route,
    {
      username: 'user',
      password: token,
      source: `the token of context ${client.context} (as oc registry login)`,
      // The cluster's registry answers 401 both for a token it refuses and for a missing right (it never says 403).
      rejectedHint: `log in again (\`oc login\`), and check that user ${client.user} may push there (\`oc policy add-role-to-user system:image-pusher ${client.user} -n NAMESPACE\`), or set a dev repository to push to (--to REGISTRY/REPOSITORY)`,
    },
    target.caPem,
  );
}

export interface ClusterPushTarget {
  registry: ClusterRegistry;
  /** `ROUTE` and `<namespace>/<component>`: where the loop pushes. */
  to: { registry: string; repository: string };
  namespace: string;
}

/**
 * Where a dev image for `component`, run in `namespace`, goes on the cluster's registry; checks first that the user
 * may push there (update on imagestreams/layers, what the registry checks), which the registry would otherwise
 * answer only with 401 "authentication required".
 */
export async function clusterPushTarget(client: ClusterClient, registry: RegistryClient, options: { namespace: string; component: string }): Promise<ClusterPushTarget> {
  const found = await discoverClusterRegistry(client);
  await loginToClusterRegistry(client, registry, found);
  const name = options.component.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  const review = await canIOnLayers(client, { namespace: options.namespace, name, verb: 'update' });
  if (!review.allowed) {
    throw new OkdError(
      'forbidden',
      `user ${client.user} of context ${client.context} may not push to the cluster's image registry in namespace ${options.namespace} (the registry needs update on imagestreams/layers there${review.reason ? `: ${review.reason}` : ''})`,
      `ask for push rights (\`oc policy add-role-to-user system:image-pusher ${client.user} -n ${options.namespace}\`), or set a dev repository to push to (--to REGISTRY/REPOSITORY, or okd.devRepository)`,
    );
  }
  return { registry: found, to: { registry: found.route, repository: `${options.namespace}/${name}` }, namespace: options.namespace };
}

/** The pushed image (`ROUTE/ns/name@sha256:…`) as the pods pull it: through the internal hostname. */
export function internalPullspec(pushed: string, registry: ClusterRegistry): string {
  const ref = parsePullspec(pushed);
  if (ref.registry !== registry.route) return pushed;
  return `${registry.internal}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`;
}

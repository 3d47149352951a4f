// Could the cluster pull this image for a pod in this namespace running as this ServiceAccount? Answered the way
// the kubelet and CRI-O would: the pod's imagePullSecrets (its own when the template names any, else the
// ServiceAccount's, as the ServiceAccount admission plugin fills them in), then the node's credentials, which on OKD
// are the global pull secret openshift-config/pull-secret; every credential whose key matches the image is tried in
// the kubelet's order, and only when none matches is the pull anonymous (the kubelet never falls back to anonymous
// after credentials were refused). Each try is a manifest HEAD against the registry with exactly that credential.
import { type CancellationTokenLike, throwIfCancelled } from '../cancel';
import { OkdError, type OkdErrorKind } from '../errors';
import { formatPullspec, parsePullspec, type Pullspec } from '../pullspec';
import type { ClusterClient } from './client';
import { isInternalRegistryHost } from './clusterRegistry';
import { checkInternalPull } from './pullAccessInternal';
import { type PullProbe, registryPullProbe, type RegistryProbeOptions } from './pullAccessProbe';
import { getSecret, getServiceAccount } from './pullSecretApi';
import {
  credentialsForImage,
  DOCKER_CONFIG_JSON_KEY,
  DOCKER_CONFIG_JSON_TYPE,
  DOCKERCFG_KEY,
  DOCKERCFG_TYPE,
  Keyring,
  parseDockerConfig,
  type PullCredential,
} from './pullSecretKeyring';
import { GLOBAL_PULL_SECRET, type Secret } from './pullSecretMerge';
import type { PatchableKind, PatchableWorkload, PodSpec } from './types';
import { getWorkload } from './workloads';

export const GLOBAL_PULL_SECRET_SOURCE = 'global pull secret';

export interface PullAccessOptions {
  image: string;
  namespace: string;
  /** The ServiceAccount the pod runs as (default `default`). */
  serviceAccount?: string;
  /** The pod template's own `imagePullSecrets` names: when there are any, the ServiceAccount's are not added. */
  imagePullSecrets?: string[];
  token?: CancellationTokenLike;
}

/** One credential tried (or anonymous), and the registry's answer when it refused. */
export interface PullAttempt {
  /** `anonymous`, `pull secret NS/NAME` or `global pull secret`. */
  via: string;
  /** The secret's key that matched the image. */
  key?: string;
  reason?: string;
}

export type PullAccess =
  | { ok: true; image: string; via: string; key?: string; tried: string[]; attempts: PullAttempt[]; notes: string[] }
  | { ok: false; image: string; reason: string; kind: OkdErrorKind; tried: string[]; attempts: PullAttempt[]; notes: string[] };

/** A PullProbe, or the options to make the default one (RegistryClient with a temporary auth file per try). */
export type PullRegistry = PullProbe | RegistryProbeOptions;

const isProbe = (r: PullRegistry): r is PullProbe => typeof (r as PullProbe).probe === 'function';

/**
 * A patch stopped before any change because the cluster may not pull its image: the image, the registry whose
 * login would let it (`pullSecretKey`: what `--add-pull-secret` adds to the global pull secret), and the check.
 */
export class PullAccessRefused extends OkdError {
  constructor(
    readonly image: string,
    readonly registry: string,
    readonly pullSecretKey: string,
    readonly access: Extract<PullAccess, { ok: false }>,
    message: string,
    hint?: string,
  ) {
    super(access.kind, message, hint);
    this.name = 'PullAccessRefused';
  }

  /** Would the user's own login help (the registry refused the credentials or asked for some), not a missing image. */
  get loginHelps(): boolean {
    return this.access.kind === 'unauthorized' || this.access.kind === 'forbidden';
  }
}

/** `pull secret NS/NAME`, as results and messages name a pod's pull secret. */
export const podSecretSource = (namespace: string, name: string) => `pull secret ${namespace}/${name}`;

/** The secret's entries, if it is a pull secret the kubelet reads (its type and data key). */
function secretEntries(secret: Secret, source: string) {
  const data = secret.data ?? {};
  if (secret.type === DOCKER_CONFIG_JSON_TYPE && data[DOCKER_CONFIG_JSON_KEY]) {
    return parseDockerConfig(Buffer.from(data[DOCKER_CONFIG_JSON_KEY], 'base64').toString('utf8'), 'dockerconfigjson', source);
  }
  if (secret.type === DOCKERCFG_TYPE && data[DOCKERCFG_KEY]) {
    return parseDockerConfig(Buffer.from(data[DOCKERCFG_KEY], 'base64').toString('utf8'), 'dockercfg', source);
  }
  return undefined;
}

/** The pod's keyring, and notes on secrets the kubelet would skip. A malformed pull secret fails the pull, as it does for the kubelet. */
async function podKeyring(client: ClusterClient, namespace: string, names: string[], notes: string[]): Promise<Keyring> {
  const keyring = new Keyring();
  for (const name of names) {
    const source = podSecretSource(namespace, name);
    let secret: Secret;
    try {
      secret = await getSecret(client, namespace, name);
    } catch (err) {
      // The kubelet logs a missing pull secret and pulls without it.
      if (err instanceof OkdError && err.kind === 'not-found') {
        notes.push(`${source} does not exist`);
        continue;
      }
      throw err;
    }
    const entries = secretEntries(secret, source);
    if (!entries) notes.push(`${source} is of type ${secret.type ?? '(none)'}, not ${DOCKER_CONFIG_JSON_TYPE} or ${DOCKERCFG_TYPE}: the kubelet ignores it`);
    else keyring.add(entries, source);
  }
  return keyring;
}

async function nodeKeyring(client: ClusterClient, notes: string[]): Promise<Keyring> {
  const keyring = new Keyring();
  let secret: Secret;
  try {
    secret = await getSecret(client, GLOBAL_PULL_SECRET.namespace, GLOBAL_PULL_SECRET.name);
  } catch (err) {
    if (err instanceof OkdError && err.kind === 'not-found') {
      notes.push(`there is no global pull secret ${GLOBAL_PULL_SECRET.namespace}/${GLOBAL_PULL_SECRET.name}`);
      return keyring;
    }
    throw err;
  }
  const text = secret.data?.[DOCKER_CONFIG_JSON_KEY];
  if (text) keyring.add(parseDockerConfig(Buffer.from(text, 'base64').toString('utf8'), 'dockerconfigjson', GLOBAL_PULL_SECRET_SOURCE), GLOBAL_PULL_SECRET_SOURCE);
  return keyring;
}

/** The imagePullSecrets a pod would carry: the template's own, else the ServiceAccount's. */
async function podPullSecretNames(client: ClusterClient, options: PullAccessOptions): Promise<string[]> {
  if (options.imagePullSecrets?.length) return options.imagePullSecrets;
  const sa = await getServiceAccount(client, options.namespace, options.serviceAccount || 'default');
  return (sa.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean);
}

/** Tries the credentials in order; the first the registry accepts is how the pod would pull. */
async function tryCredentials(probe: PullProbe, ref: Pullspec, credentials: PullCredential[], token: CancellationTokenLike | undefined) {
  const attempts: PullAttempt[] = [];
  const candidates: (PullCredential | undefined)[] = credentials.length ? credentials : [undefined];
  let last: { kind: OkdErrorKind; reason: string } | undefined;
  for (const c of candidates) {
    throwIfCancelled(token, 'the pull access check');
    const via = c ? c.source : 'anonymous';
    const refusal = await probe.probe(ref, c ? { username: c.username, password: c.password } : undefined, token);
    if (!refusal) {
      attempts.push({ via, ...(c ? { key: c.key } : {}) });
      return { ok: true as const, via, ...(c ? { key: c.key } : {}), attempts };
    }
    attempts.push({ via, ...(c ? { key: c.key } : {}), reason: refusal.reason });
    last = refusal;
  }
  return { ok: false as const, kind: last?.kind ?? 'failed', reason: last?.reason ?? 'no answer', attempts };
}

/**
 * Whether the cluster could pull `image` for a pod in `namespace` running as `serviceAccount`. The registry is
 * asked with each credential the kubelet would pass; nothing in the cluster changes. Errors reading the cluster
 * (the ServiceAccount missing, no right to read secrets) throw; the registry's refusals are the result.
 */
export async function checkPullAccess(client: ClusterClient, registry: PullRegistry, options: PullAccessOptions): Promise<PullAccess> {
  const ref = parsePullspec(options.image);
  const image = formatPullspec(ref);
  const probe = isProbe(registry) ? registry : registryPullProbe({ logger: client.logger, ...registry });
  const notes: string[] = [];
  const names = await podPullSecretNames(client, options);
  const [pod, node] = await Promise.all([podKeyring(client, options.namespace, names, notes), nodeKeyring(client, notes)]);
  const credentials = credentialsForImage(`${ref.registry}/${ref.repository}`, pod, node);
  const who = `pods in ${options.namespace} running as ${options.serviceAccount || 'default'}`;
  if (isInternalRegistryHost(ref.registry)) {
    // Not reachable from here: ask what the cluster's registry asks (a SubjectAccessReview), not the registry.
    const answer = await checkInternalPull(client, ref, { namespace: options.namespace, serviceAccount: options.serviceAccount || 'default' }, credentials);
    if (answer.note) notes.push(answer.note);
    const attempts: PullAttempt[] = [{ via: answer.via, ...(answer.key ? { key: answer.key } : {}), ...(answer.reason ? { reason: answer.reason } : {}) }];
    client.logger.debug(`pull access: ${image} for ${who} (cluster registry) ${answer.ok ? `via ${answer.via}` : `refused: ${answer.reason}`}`);
    if (answer.ok) return { ok: true, image, via: answer.via, ...(answer.key ? { key: answer.key } : {}), tried: [answer.via], attempts, notes };
    return { ok: false, image, reason: answer.reason ?? 'refused', kind: answer.kind ?? 'forbidden', tried: [answer.via], attempts, notes };
  }
  const result = await tryCredentials(probe, ref, credentials, options.token);
  const tried = result.attempts.map((a) => a.via);
  if (result.ok) {
    client.logger.debug(`pull access: ${image} for ${who} via ${result.via}`);
    return { ok: true, image, via: result.via, ...(result.key ? { key: result.key } : {}), tried, attempts: result.attempts, notes };
  }
  client.logger.debug(`pull access: ${image} for ${who} refused: ${result.reason}`);
  return { ok: false, image, reason: result.reason, kind: result.kind, tried, attempts: result.attempts, notes };
}

/** The ServiceAccount and imagePullSecrets of a Deployment's or DaemonSet's pod template. */
export function podIdentity(spec: PodSpec | undefined): { serviceAccount: string; imagePullSecrets: string[] } {
  const s = (spec ?? {}) as PodSpec & { serviceAccountName?: string; serviceAccount?: string; imagePullSecrets?: { name?: string }[] };
  return {
    serviceAccount: s.serviceAccountName || s.serviceAccount || 'default',
    imagePullSecrets: (s.imagePullSecrets ?? []).map((p) => p.name ?? '').filter(Boolean),
  };
}

/** checkPullAccess for the pods of a workload in the cluster (its template's ServiceAccount and pull secrets). */
export async function checkWorkloadPullAccess(
  client: ClusterClient,
  registry: PullRegistry,
  options: { image: string; kind: PatchableKind; namespace: string; name: string; token?: CancellationTokenLike; workload?: PatchableWorkload },
): Promise<PullAccess & { serviceAccount: string }> {
  // A caller that has just read the workload passes it, saving the GET.
  const workload = options.workload ?? (await getWorkload(client, options.kind, options.namespace, options.name));
  const identity = podIdentity(workload.spec?.template?.spec);
  const access = await checkPullAccess(client, registry, {
    image: options.image,
    namespace: options.namespace,
    serviceAccount: identity.serviceAccount,
    imagePullSecrets: identity.imagePullSecrets,
    ...(options.token ? { token: options.token } : {}),
  });
  return { ...access, serviceAccount: identity.serviceAccount };
}

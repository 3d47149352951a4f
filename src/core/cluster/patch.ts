import type { CancellationTokenLike } from '../cancel';
import { throwIfCancelled } from '../cancel';
import { OkdError } from '../errors';
import { digestPullspec, formatPullspec, parsePullspec } from '../pullspec';
import type { RegistryClient } from '../registry/client';
import type { CredentialStoreOptions } from '../registry/credentials';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from '../release/cache';
import type { Release } from '../release/model';
import { readRelease } from '../release/reader';
import type { ClusterClient } from './client';
import { findOperatorWorkload, type OperatorTarget } from './operator';
import { addOverride, removeOverride, workloadOverride } from './overrides';
import { checkWorkloadPullAccess, PullAccessRefused, type PullRegistry } from './pullAccess';
import { addToGlobalPullSecret, pullSecretKeyFor, undoGlobalPullSecret, userPullAuth } from './pullSecretGlobal';
import { ORIGINAL_IMAGES_ANNOTATION, PATCHED_LABEL, type PatchRecord, readPatchRecord } from './record';
import { type ComponentOverride, type Deployment, type JsonPatchOp, type PatchableWorkload, pointerSegment } from './types';
import { describeWorkload, getWorkload, patchWorkload, WORKLOAD_RESOURCES } from './workloads';

export interface PayloadOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  platform?: Platform;
  token?: CancellationTokenLike;
}

/** The release the cluster runs now (`status.desired.image`), read with the release reader. */
export async function readClusterRelease(client: ClusterClient, options: PayloadOptions): Promise<{ image: string; release: Release }> {
  const cv = await client.getClusterVersion();
  const image = cv.status?.desired?.image;
  if (!image) throw new OkdError('not-found', `the ClusterVersion of context ${client.context} has no status.desired.image`, 'wait for the cluster-version operator to load its payload');
  const release = await readRelease(image, { registry: options.registry, cache: options.cache, platform: options.platform, token: options.token, logger: client.logger });
  return { image, release };
}

/**
 * A digest pullspec for `image`: as is when it has a digest, else the digest its tag points to now, learned by a
 * manifest HEAD (Docker Hub counts GETs against the pull limit; a GET only when the HEAD names no digest).
 */
export async function resolveImageDigest(image: string, registry: RegistryClient, token?: CancellationTokenLike): Promise<string> {
  const ref = parsePullspec(image);
  if (ref.digest) return formatPullspec(ref);
  const head = await registry.headManifest(ref.registry, ref.repository, ref.tag ?? 'latest', token);
  return digestPullspec(ref, head.digest);
}

function digestOf(pullspec: string): string | undefined {
  const at = pullspec.lastIndexOf('@');
  return at >= 0 && /^sha\d+:/.test(pullspec.slice(at + 1)) ? pullspec.slice(at + 1) : undefined;
}

/** Does an env value carry this image: the same pullspec, or any pullspec with the same digest. */
function carries(value: string | undefined, images: string[]): boolean {
  if (!value) return false;
  for (const image of images) {
    if (value === image) return true;
    const digest = digestOf(image);
    if (digest && digestOf(value) === digest) return true;
  }
  return false;
}

/**
 * The JSON patch that puts `image` into the target containers and into every env var that carried their old image
 * (OPERATOR_IMAGE, IMAGE, ...), each replacement guarded by a `test` of the value it replaces, and records what ran
 * before in the ORIGINAL_IMAGES_ANNOTATION (kept from an earlier patch: it always names the payload's images).
 * The same for a Deployment and a DaemonSet: both keep their pod template at /spec/template.
 */
export function planWorkloadPatch(
  deployment: PatchableWorkload,
  target: OperatorTarget,
  image: string,
  override: ComponentOverride | undefined,
  now: Date = new Date(),
  previousOverride?: ComponentOverride,
  pullSecretKey?: string,
): { ops: JsonPatchOp[]; record: PatchRecord } {
  const previous = readPatchRecord(deployment);
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  // The override we added (and the entry it replaced): this patch's, or kept from an earlier patch.
  const ours = override ? { override, previousOverride } : { override: previous?.override, previousOverride: previous?.override ? previous.previousOverride : undefined };
  const record: PatchRecord = {
    operator: target.operator,
    ...(target.component ? { component: target.component } : {}),
    containers: {},
    env: {},
    image,
    ...(ours.override ? { override: ours.override } : {}),
    ...(ours.override && ours.previousOverride ? { previousOverride: ours.previousOverride } : {}),
    ...((pullSecretKey ?? previous?.pullSecretKey) ? { pullSecretKey: pullSecretKey ?? previous?.pullSecretKey } : {}),
    patchedAt: now.toISOString(),
  };
  const ops: JsonPatchOp[] = [];
  const oldImages = new Set<string>();
  for (const want of target.containers) {
    const index = containers.findIndex((c) => c.name === want.name);
    const live = containers[index];
    if (!live) {
      throw new OkdError('not-found', `${describeWorkload(target.kind, target.namespace, target.name)} has no container "${want.name}"`, `the cluster does not match its payload; check \`oc get ${WORKLOAD_RESOURCES[target.kind].kubectl} -n ${target.namespace}\``);
    }
    const base = `/spec/template/spec/containers/${index}`;
    record.containers[want.name] = previous?.containers[want.name] ?? live.image ?? '';
    ops.push({ op: 'test', path: `${base}/name`, value: want.name });
    if (live.image !== undefined) ops.push({ op: 'test', path: `${base}/image`, value: live.image });
    ops.push({ op: 'replace', path: `${base}/image`, value: image });
    for (const old of [live.image, want.image, previous?.containers[want.name]]) if (old) oldImages.add(old);
  }
  const carried = [...oldImages];
  containers.forEach((container, index) => {
    (container.env ?? []).forEach((env, envIndex) => {
      if (!carries(env.value, carried) || env.value === image) return;
      const path = `/spec/template/spec/containers/${index}/env/${envIndex}`;
      const originals = (record.env[container.name] ??= {});
      originals[env.name] = previous?.env[container.name]?.[env.name] ?? (env.value as string);
      ops.push({ op: 'test', path: `${path}/name`, value: env.name }, { op: 'test', path: `${path}/value`, value: env.value }, { op: 'replace', path: `${path}/value`, value: image });
    });
  });
  for (const [name, envs] of Object.entries(previous?.env ?? {})) {
    for (const [key, value] of Object.entries(envs)) ((record.env[name] ??= {})[key] ??= value);
  }
  const annotations = deployment.metadata.annotations;
  const labels = deployment.metadata.labels;
  const recordText = JSON.stringify(record);
  // Adding a whole map replaces one another writer may have added meanwhile: only if the object is as read.
  const rv = deployment.metadata.resourceVersion;
  if ((!annotations || !labels) && rv !== undefined) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: rv });
  ops.push(
    annotations
      ? { op: 'add', path: `/metadata/annotations/${pointerSegment(ORIGINAL_IMAGES_ANNOTATION)}`, value: recordText }
      : { op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_IMAGES_ANNOTATION]: recordText } },
    labels ? { op: 'add', path: `/metadata/labels/${pointerSegment(PATCHED_LABEL)}`, value: 'true' } : { op: 'add', path: '/metadata/labels', value: { [PATCHED_LABEL]: 'true' } },
  );
  return { ops, record };
}

/** planWorkloadPatch under its older name. */
export const planDeploymentPatch: (
  deployment: PatchableWorkload,
  target: OperatorTarget,
  image: string,
  override: ComponentOverride | undefined,
  now?: Date,
  previousOverride?: ComponentOverride,
) => { ops: JsonPatchOp[]; record: PatchRecord } = planWorkloadPatch;

export interface PatchOperatorOptions extends PayloadOptions {
  /** Component name (`cluster-image-registry-operator`), `namespace/name` or `daemonset/namespace/name`. */
  operator: string;
  /** The image to run: a digest pullspec, or a tag resolved to its digest now. */
  image: string;
  onStep?: (message: string) => void;
  /**
   * Check first that the cluster can pull the image for the workload's pods (their pull secrets, then the global
   * pull secret), as the kubelet will; a refusal stops the patch before anything changes.
   */
  pullAccess?: PullRegistry;
  /**
   * With pullAccess: when the cluster may not pull the image, add the user's own credentials for it (found in these
   * auth files, as podman finds them) to the global pull secret, recorded so restore takes them out again.
   */
  addPullSecret?: CredentialStoreOptions;
}

export interface PatchOperatorResult {
  target: OperatorTarget;
  /** The digest pullspec now in the workload. */
  image: string;
  release: { version: string; image: string };
  override: ComponentOverride;
  /** False when the override was there before (then restore leaves it). */
  overrideAdded: boolean;
  record: PatchRecord;
  /** The patched workload as the API server answered (a Deployment or, when target.kind says so, a DaemonSet). */
  workload: PatchableWorkload;
  /** The same object; named for the Deployments it held before DaemonSets could be patched. */
  deployment: Deployment;
}

/**
 * Runs `image` as an operator of the cluster: the override first (so the CVO leaves the Deployment or DaemonSet
 * alone), then the workload patch. A failed patch removes the override again, so the cluster is never left
 * half-patched.
 */
export async function patchOperator(client: ClusterClient, options: PatchOperatorOptions): Promise<PatchOperatorResult> {
  const step = options.onStep ?? (() => undefined);
  step('reading the cluster release');
  const { image: releaseImage, release } = await readClusterRelease(client, options);
  const target = findOperatorWorkload(release, options.operator);
  step(`resolving ${options.image}`);
  const image = await resolveImageDigest(options.image, options.registry, options.token);
  const where = describeWorkload(target.kind, target.namespace, target.name);
  // Plan against the live object before touching anything: a mismatch is reported with the cluster unchanged.
  const current = await getWorkload(client, target.kind, target.namespace, target.name);
  planWorkloadPatch(current, target, image, undefined);
  let pullSecretKey: string | undefined;
  if (options.pullAccess) {
    step(`checking that the cluster can pull ${image}`);
    const check = () => checkWorkloadPullAccess(client, options.pullAccess as PullRegistry, { image, kind: target.kind, namespace: target.namespace, name: target.name, workload: current, ...(options.token ? { token: options.token } : {}) });
    let access = await check();
    if (!access.ok && options.addPullSecret && (access.kind === 'unauthorized' || access.kind === 'forbidden')) {
      const key = pullSecretKeyFor(image);
      step(`adding your credentials for ${key} to the global pull secret openshift-config/pull-secret`);
      const added = await addToGlobalPullSecret(client, key, await userPullAuth(image, options.addPullSecret));
      if (added.changed) pullSecretKey = key;
      access = await check();
      if (!access.ok && pullSecretKey) await undoGlobalPullSecret(client, { keys: [pullSecretKey] });
    }
    if (!access.ok) {
      throw new PullAccessRefused(
        image,
        parsePullspec(image).registry,
        pullSecretKeyFor(image),
        access,
        `the cluster cannot pull ${image} for the pods of ${where} (ServiceAccount ${access.serviceAccount}; tried ${access.tried.join(', ')}): ${access.reason}; nothing was changed`,
        access.kind === 'not-found'
          ? `push the image first, or check the pullspec; \`okd-dev cluster can-pull ${image} ${options.operator}\` checks again`
          : `make the repository public, add your credentials for ${pullSecretKeyFor(image)} to the global pull secret openshift-config/pull-secret (\`okd-dev cluster patch --add-pull-secret\` does it, and restore undoes it) or to a pull secret of that ServiceAccount, or push where the cluster can pull (or push to the cluster's own registry instead: \`okd-dev dev loop\` without a dev repository does, when its route is exposed); \`okd-dev cluster can-pull ${image} ${options.operator}\` checks again`,
      );
    }
  }
  throwIfCancelled(options.token, 'patch');

  const override = workloadOverride(target.kind, target.namespace, target.name);
  step(`adding the override for ${where}`);
  const added = await addOverride(client, override).catch(async (err: unknown) => {
    if (pullSecretKey) await undoGlobalPullSecret(client, { keys: [pullSecretKey] }).catch(() => undefined);
    throw err;
  });
  let workload: PatchableWorkload | undefined;
  let record: PatchRecord | undefined;
  try {
    for (let attempt = 1; !workload; attempt++) {
      const live = await getWorkload(client, target.kind, target.namespace, target.name);
      const plan = planWorkloadPatch(live, target, image, added.changed ? override : undefined, new Date(), added.previous, pullSecretKey);
      step(`setting ${target.containers.map((c) => c.name).join(', ')} of ${where} to ${image}`);
      try {
        workload = await patchWorkload(client, target.kind, target.namespace, target.name, plan.ops);
        record = plan.record;
      } catch (err) {
        // A failed `test` (422) or conflict: the workload moved between our read and our patch; plan again.
        if (!(err instanceof OkdError && (err.kind === 'invalid-input' || err.kind === 'conflict')) || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    const reason = err instanceof OkdError ? err.message : (err as Error).message;
    // The pull secret entry added for this patch goes too: the cluster is left as it was.
    if (pullSecretKey) await undoGlobalPullSecret(client, { keys: [pullSecretKey] }).catch(() => undefined);
    if (!added.changed) throw new OkdError(err instanceof OkdError ? err.kind : 'failed', `patching ${where} failed: ${reason}; the override was there before and stays`, undefined, { cause: err });
    // Undo our override: put back the entry it replaced (e.g. unmanaged: false), or remove the key we added.
    const putBack = added.previous;
    try {
      if (putBack) await addOverride(client, putBack);
      else await removeOverride(client, override);
    } catch (undoErr) {
      throw new OkdError(
        'failed',
        `patching ${where} failed: ${reason}; ${putBack ? 'putting the previous override back' : 'removing the override again'} failed too: ${(undoErr as Error).message}`,
        putBack
          ? `set it back with \`oc patch clusterversion version\` (it was ${JSON.stringify(putBack)})`
          : `remove it with \`okd-dev cluster override remove ${target.kind.toLowerCase()}/${target.namespace}/${target.name}\``,
        { cause: err },
      );
    }
    throw new OkdError(
      err instanceof OkdError ? err.kind : 'failed',
      `patching ${where} failed: ${reason}; ${putBack ? 'the override was put back as it was' : 'the override was removed again'}, the cluster is as before`,
      err instanceof OkdError ? err.hint : undefined,
      { cause: err },
    );
  }
  return { target, image, release: { version: release.version, image: releaseImage }, override, overrideAdded: added.changed, record: record as PatchRecord, workload, deployment: workload as Deployment };
}

export interface OperatorPatchPlan {
  target: OperatorTarget;
  release: { version: string; image: string };
  /** The digest pullspec the workload would run. */
  image: string;
  override: ComponentOverride;
  /** The override is there already (then a patch leaves it, and restore too). */
  overrideSet: boolean;
  /** Container -> image now; container -> env var -> value now (each becomes `image`). */
  containers: Record<string, string>;
  env: Record<string, Record<string, string>>;
}

/** What patchOperator would change, read from the cluster; changes nothing (`cluster patch --dry-run`). */
export async function planOperatorPatch(client: ClusterClient, options: PatchOperatorOptions): Promise<OperatorPatchPlan> {
  const { image: releaseImage, release } = await readClusterRelease(client, options);
  const target = findOperatorWorkload(release, options.operator);
  const image = await resolveImageDigest(options.image, options.registry, options.token);
  const live = await getWorkload(client, target.kind, target.namespace, target.name);
  const override = workloadOverride(target.kind, target.namespace, target.name);
  const { record } = planWorkloadPatch(live, target, image, override);
  const cv = await client.getClusterVersion();
  const overrideSet = (cv.spec?.overrides ?? []).some((o) => o.kind === override.kind && o.group === override.group && o.namespace === override.namespace && o.name === override.name && o.unmanaged === true);
  const containers = Object.fromEntries(target.containers.map((c) => [c.name, (live.spec?.template?.spec?.containers ?? []).find((x) => x.name === c.name)?.image ?? '']));
  const env: Record<string, Record<string, string>> = {};
  for (const c of live.spec?.template?.spec?.containers ?? []) {
    for (const name of Object.keys(record.env[c.name] ?? {})) (env[c.name] ??= {})[name] = c.env?.find((e) => e.name === name)?.value ?? '';
  }
  return { target, release: { version: release.version, image: releaseImage }, image, override, overrideSet, containers, env };
}

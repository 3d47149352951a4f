import { type CancellationTokenLike, CancelledError, throwIfCancelled } from '../cancel';
import { OkdError } from '../errors';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import type { ReleaseCache } from '../release/cache';
import { readRelease } from '../release/reader';
import type { ClusterClient } from './client';
import { resolveImageDigest } from './patch';
import { type ClusterVersion, conditionOf, type HistoryEntry, type JsonPatchOp, type ReleaseRef } from './types';

/** `spec.desiredUpdate` as `oc adm upgrade --to-image IMAGE --allow-explicit-upgrade --force` writes it. */
export interface DesiredUpdate {
  version: string;
  image: string;
  force: boolean;
}

export interface ReleaseAt {
  version: string;
  image: string;
}

/** What an upgrade will do, read before anything changes: shown to the user to confirm. */
export interface UpgradePlan {
  context: string;
  server: string;
  /** What the cluster runs now (status.desired). */
  current: ReleaseAt;
  /** The payload to run, by digest, and the version its release-metadata names. */
  target: ReleaseAt;
  /** The exact value written to spec.desiredUpdate. */
  desiredUpdate: DesiredUpdate;
  /** The cluster already runs the target (history[0] Completed for it): nothing to do. */
  alreadyThere: boolean;
  /** ClusterVersion conditions worth knowing before upgrading (Upgradeable=False, Failing=True). */
  warnings: string[];
  /**
   * spec.desiredUpdate when the plan was read (null: none). startUpgrade refuses to apply the plan when another
   * writer has changed it since; absent in a plan made elsewhere (then the desiredUpdate read just before is kept).
   */
  desiredUpdateBefore?: (ReleaseRef & { force?: boolean }) | null;
}

export function desiredUpdateFor(image: string, force = true): DesiredUpdate {
  return { version: '', image, force };
}

/**
 * The JSON patch setting spec.desiredUpdate, and nothing else, only if it is still what `cv` says: a `test` of the
 * current desiredUpdate before replacing it, or of the resourceVersion when there is none (a `test` of a missing
 * path cannot express "still absent"; `add /spec` would otherwise drop the overrides another writer added).
 */
export function desiredUpdatePatch(cv: ClusterVersion, update: DesiredUpdate): JsonPatchOp[] {
  const current = cv.spec?.desiredUpdate;
  if (current !== undefined && current !== null) {
    return [
      { op: 'test', path: '/spec/desiredUpdate', value: current },
      { op: 'replace', path: '/spec/desiredUpdate', value: update },
    ];
  }
  const guard: JsonPatchOp = { op: 'test', path: '/metadata/resourceVersion', value: cv.metadata.resourceVersion };
  if (!cv.spec) return [guard, { op: 'add', path: '/spec', value: { desiredUpdate: update } }];
  return [guard, { op: 'add', path: '/spec/desiredUpdate', value: update }];
}

export type UpgradeState =
  | { state: 'completed'; message: string; entry: HistoryEntry }
  | { state: 'progressing'; message: string };

/**
 * Where an upgrade to `image` stands: complete when the CVO has taken it as desired and the newest history entry
 * is Completed for it; otherwise the CVO's own words (payload retrieval, Progressing, Failing).
 */
export function upgradeState(cv: ClusterVersion, image: string): UpgradeState {
  const status = cv.status ?? {};
  const head = status.history?.[0];
  const conditions = status.conditions;
  if (status.desired?.image === image && head?.image === image && head.state === 'Completed') {
    return { state: 'completed', message: `cluster version is ${head.version || status.desired.version || image}`, entry: head };
  }
  const accepted = conditionOf(conditions, 'ReleaseAccepted');
  if (accepted?.status === 'False' && (accepted.message ?? '').includes(image)) {
    return { state: 'progressing', message: `the cluster-version operator cannot load the payload yet: ${accepted.message}` };
  }
  if (status.desired?.image !== image) return { state: 'progressing', message: 'waiting for the cluster-version operator to take the update' };
  const failing = conditionOf(conditions, 'Failing');
  const progressing = conditionOf(conditions, 'Progressing');
  const working = progressing?.status === 'True' && progressing.message ? progressing.message : `applying ${status.desired.version || image}`;
  if (failing?.status === 'True') return { state: 'progressing', message: `${working} (failing: ${failing.message ?? failing.reason ?? 'unknown'})` };
  return { state: 'progressing', message: working };
}

/** Conditions that make an upgrade questionable; --force (as here) goes ahead anyway, as oc does. */
export function upgradeWarnings(cv: ClusterVersion): string[] {
  const out: string[] = [];
  const upgradeable = conditionOf(cv.status?.conditions, 'Upgradeable');
  if (upgradeable?.status === 'False') out.push(`Upgradeable=False (${upgradeable.reason ?? ''}): ${upgradeable.message ?? ''}`.trim());
  const failing = conditionOf(cv.status?.conditions, 'Failing');
  if (failing?.status === 'True') out.push(`Failing=True: ${failing.message ?? failing.reason ?? ''}`);
  const head = cv.status?.history?.[0];
  if (head && head.state !== 'Completed') out.push(`an update to ${head.version || head.image} is still in progress; it is superseded`);
  return out;
}

export interface UpgradeOptions {
  client: ClusterClient;
  /** The payload pullspec: a digest, or a tag resolved to its digest now. */
  image: string;
  registry: RegistryClient;
  cache?: ReleaseCache;
  platform?: Platform;
  /** spec.desiredUpdate.force (default true: a custom payload carries no signature). */
  force?: boolean;
  token?: CancellationTokenLike;
}

/** Reads the cluster and the target payload (by digest, with its version from the release reader). Changes nothing. */
export async function planUpgrade(options: UpgradeOptions): Promise<UpgradePlan> {
  const { client } = options;
  const image = await resolveImageDigest(options.image, options.registry, options.token);
  const [cv, release] = await Promise.all([
    client.getClusterVersion(),
    readRelease(image, { registry: options.registry, cache: options.cache, platform: options.platform, token: options.token, logger: client.logger }),
  ]);
  const current: ReleaseAt = { version: cv.status?.desired?.version ?? cv.status?.history?.[0]?.version ?? '', image: cv.status?.desired?.image ?? '' };
  const state = upgradeState(cv, image);
  return {
    context: client.context,
    server: client.server,
    current,
    target: { version: release.version, image },
    desiredUpdate: desiredUpdateFor(image, options.force ?? true),
    alreadyThere: state.state === 'completed',
    warnings: upgradeWarnings(cv),
    desiredUpdateBefore: cv.spec?.desiredUpdate ?? null,
  };
}

/** How long `cluster upgrade` and the editor follow an upgrade by default: an OKD upgrade takes 60-120 minutes. */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 3 * 60 * 60 * 1000;

const CLUSTER_VERSIONS = '/apis/config.openshift.io/v1/clusterversions';

export interface UpgradeProgress {
  message: string;
  elapsedMs: number;
}

export interface WaitUpgradeOptions {
  client: ClusterClient;
  plan: UpgradePlan;
  timeoutMs?: number;
  token?: CancellationTokenLike;
  onProgress?: (progress: UpgradeProgress) => void;
}

export interface UpgradeResult {
  plan: UpgradePlan;
  /** The history entry the CVO completed (absent with wait: false). */
  completed?: HistoryEntry;
  /** The version the cluster reports now. */
  version: string;
  /** Differences between what the payload says and what the cluster reports. */
  warnings: string[];
  ms: number;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Writes spec.desiredUpdate of the plan with a guarded patch (see desiredUpdatePatch). Refuses when another writer
 * changed spec.desiredUpdate since the plan was read; when only something else moved (status, overrides), reads
 * again and retries.
 */
export async function startUpgrade(client: ClusterClient, plan: UpgradePlan, token?: CancellationTokenLike, attempts = 8): Promise<void> {
  throwIfCancelled(token, 'upgrade');
  let expected = plan.desiredUpdateBefore;
  const moved = (now: ClusterVersion) =>
    new OkdError(
      'conflict',
      `spec.desiredUpdate of context ${client.context} changed since the upgrade was planned (now ${JSON.stringify(now.spec?.desiredUpdate ?? null)})`,
      'someone else is upgrading this cluster; check `okd-dev cluster status` and plan again',
    );
  for (let attempt = 1; ; attempt++) {
    const cv = await client.getClusterVersion();
    if (expected === undefined) expected = cv.spec?.desiredUpdate ?? null;
    if (!sameJson(cv.spec?.desiredUpdate, expected)) throw moved(cv);
    try {
      await client.patchClusterVersion(desiredUpdatePatch(cv, plan.desiredUpdate));
      break;
    } catch (err) {
      // A failed `test` (422) or a conflict: read again; go on only if desiredUpdate is still what the plan saw.
      if (!(err instanceof OkdError && (err.kind === 'conflict' || err.kind === 'invalid-input'))) throw err;
      const now = await client.getClusterVersion();
      if (!sameJson(now.spec?.desiredUpdate, expected)) throw moved(now);
      if (err.kind === 'invalid-input' && now.metadata.resourceVersion === cv.metadata.resourceVersion) throw err;
      if (attempt >= attempts) throw new OkdError('conflict', `the ClusterVersion kept changing under us (${attempts} attempts)`, 'try again', { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
  client.logger.info(`upgrade: spec.desiredUpdate of context ${client.context} set to ${JSON.stringify(plan.desiredUpdate)}`);
}

/**
 * Waits, by watching the ClusterVersion (list+watch, no polling), until the cluster runs the plan's payload:
 * status.desired is it and history[0] is Completed for it. Rides out API server restarts (reconnects, re-lists).
 * Throws an OkdError on timeout (default DEFAULT_UPGRADE_TIMEOUT_MS; the cluster keeps upgrading) and
 * CancelledError on cancel (likewise: cancelling stops the wait, not the CVO).
 */
export async function waitForUpgrade(options: WaitUpgradeOptions): Promise<UpgradeResult> {
  const { client, plan } = options;
  const image = plan.target.image;
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS;
  const cancelled = () => new CancelledError(`waiting for the upgrade to ${plan.target.version}`);
  if (options.token?.isCancellationRequested) throw cancelled();
  const entry = await new Promise<HistoryEntry>((resolve, reject) => {
    let settled = false;
    let lastMessage = '';
    const finish = (err: Error | undefined, value?: HistoryEntry) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancelSub?.dispose();
      handle.stop();
      if (err) reject(err);
      else resolve(value as HistoryEntry);
    };
    const report = (message: string) => {
      if (message === lastMessage) return;
      lastMessage = message;
      options.onProgress?.({ message, elapsedMs: Date.now() - started });
    };
    const onChange = (cv: ClusterVersion) => {
      if (settled) return;
      const state = upgradeState(cv, image);
      report(state.message);
      if (state.state === 'completed') finish(undefined, state.entry);
    };
    // The API server restarts during an upgrade (kube-apiserver rolls out new revisions): the informer reconnects
    // and re-lists, and the wait goes on; only what will not heal (401, 403) ends it. Its callbacks come later, on
    // their own turn, so finish() never runs before timer and cancelSub exist.
    const handle = client.inform<ClusterVersion>(
      CLUSTER_VERSIONS,
      { fieldSelector: 'metadata.name=version' },
      {
        onSync: (items) => items[0] && onChange(items[0]),
        onEvent: (type, cv) => type !== 'DELETED' && onChange(cv),
        onError: (err) => finish(err),
        onRetry: (retry) => report(`reconnecting to the API server (${retry.why}); the upgrade goes on in the cluster`),
      },
    );
    const timer = setTimeout(() => {
      finish(
        new OkdError(
          'failed',
          `the cluster did not reach ${plan.target.version} within ${Math.round(timeoutMs / 1000)} s${lastMessage ? `: ${lastMessage}` : ''}`,
          'the update stays requested and the cluster keeps working on it; follow it with `okd-dev cluster status`',
        ),
      );
    }, timeoutMs);
    const cancelSub = options.token?.onCancellationRequested(() => finish(cancelled()));
  });
  const warnings: string[] = [];
  if (entry.version && plan.target.version && entry.version !== plan.target.version) {
    warnings.push(`the cluster reports version ${entry.version}, but the payload's release-metadata names ${plan.target.version}`);
  }
  return { plan, completed: entry, version: entry.version || plan.target.version, warnings, ms: Date.now() - started };
}

export interface UpgradeClusterOptions extends UpgradeOptions {
  /** Wait until the cluster reports the new version (default true). */
  wait?: boolean;
  timeoutMs?: number;
  /** A plan read (and confirmed) before: skips reading it again. */
  plan?: UpgradePlan;
  onProgress?: (progress: UpgradeProgress) => void;
}

/**
 * `oc adm upgrade --to-image IMAGE --allow-explicit-upgrade --force`: sets spec.desiredUpdate {image, force,
 * version: ''} after reading the target payload's version, then follows the ClusterVersion until the cluster
 * reports the new release (unless wait is false).
 */
export async function upgradeCluster(options: UpgradeClusterOptions): Promise<UpgradeResult> {
  const started = Date.now();
  const report = (message: string) => options.onProgress?.({ message, elapsedMs: Date.now() - started });
  report(`reading ${options.image}`);
  const plan = options.plan ?? (await planUpgrade(options));
  if (plan.alreadyThere) {
    return { plan, completed: undefined, version: plan.target.version, warnings: [`the cluster already runs ${plan.target.version} (${plan.target.image})`], ms: Date.now() - started };
  }
  report(`setting spec.desiredUpdate to ${plan.target.image}`);
  await startUpgrade(options.client, plan, options.token);
  if (options.wait === false) return { plan, version: plan.current.version, warnings: [], ms: Date.now() - started };
  const result = await waitForUpgrade({
    client: options.client,
    plan,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.token ? { token: options.token } : {}),
    onProgress: (p) => options.onProgress?.({ message: p.message, elapsedMs: Date.now() - started }),
  });
  return { ...result, ms: Date.now() - started };
}

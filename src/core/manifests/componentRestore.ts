// Restore as a user means it after the dev loop: the operator (or operand) back to its payload image, and the
// objects its checkout's manifests changed back to the payload's. The manifests go first: a field apply wrote on the
// patched workload is put back while the patch's override still holds, then the operator's restore hands the
// workload back to the cluster-version operator.
import type { ClusterClient } from '../cluster/client';
import { findOperatorWorkload, type OperatorTarget } from '../cluster/operator';
import { readClusterRelease } from '../cluster/patch';
import { restoreAll, restoreComponent, type RestoreOptions, type RestoreResult } from '../cluster/restore';
import { OkdError } from '../errors';
import type { Release } from '../release/model';
import { ObjectApi } from './api';
import { RECORD_COMPONENT_LABEL } from './record';
import { restoreManifests, type RestoreManifestsResult } from './undo';

/** The components whose manifests okd-dev applied (a record in the cluster), sorted. */
export async function manifestComponents(client: ClusterClient): Promise<string[]> {
  const records = await new ObjectApi(client).list('v1', 'ConfigMap', RECORD_COMPONENT_LABEL);
  return [...new Set(records.map((r) => r.metadata.labels?.[RECORD_COMPONENT_LABEL] ?? '').filter(Boolean))].sort();
}

function workloadOf(release: Release, name: string): OperatorTarget | undefined {
  try {
    return findOperatorWorkload(release, name);
  } catch {
    return undefined;
  }
}

/** The component with a manifests record that `name` (a component, NAMESPACE/NAME or KIND/NAMESPACE/NAME) names. */
async function manifestsComponentOf(client: ClusterClient, name: string, components: string[], options: RestoreOptions): Promise<string | undefined> {
  if (components.includes(name)) return name;
  if (!name.includes('/') || !components.length) return undefined;
  const { release } = await readClusterRelease(client, options);
  const named = workloadOf(release, name);
  if (!named) return undefined;
  return components.find((c) => {
    const t = workloadOf(release, c);
    return t !== undefined && t.kind === named.kind && t.namespace === named.namespace && t.name === named.name;
  });
}

export interface ComponentRestoreResult {
  /** The manifests put back, when okd-dev had applied some. */
  manifests?: RestoreManifestsResult;
  /** The operator or operand put back, when it was patched. */
  restored?: Awaited<ReturnType<typeof restoreComponent>>;
}

/**
 * `okd-dev cluster restore NAME` and the editor's Restore: the manifests okd-dev applied for that component, then
 * the patched operator or operand. Only manifests applied (a loop that failed at the patch, or apply-manifests) is
 * a restore too; neither is an error naming both.
 */
export async function restoreComponentAndManifests(client: ClusterClient, name: string, options: RestoreOptions): Promise<ComponentRestoreResult> {
  const component = await manifestsComponentOf(client, name, await manifestComponents(client), options);
  const manifests = component ? await restoreManifests(client, component, options) : undefined;
  try {
    return { ...(manifests ? { manifests } : {}), restored: await restoreComponent(client, name, options) };
  } catch (err) {
    if (manifests && err instanceof OkdError && err.kind === 'not-found') return { manifests };
    throw err;
  }
}

/** `restore --all`: every component's applied manifests, then every patched operator and operand. */
export async function restoreAllAndManifests(client: ClusterClient, options: RestoreOptions): Promise<RestoreResult & { manifests: RestoreManifestsResult[] }> {
  const manifests: RestoreManifestsResult[] = [];
  for (const component of await manifestComponents(client)) manifests.push(await restoreManifests(client, component, options));
  return { ...(await restoreAll(client, options)), manifests };
}

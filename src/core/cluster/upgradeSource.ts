import type { ClusterVersion } from './types';

/** What "can I upgrade from what my cluster runs" asks of a cluster: the version it runs, its channel and update server. */
export interface ClusterUpgradeSource {
  /** `status.desired.version`. */
  version: string;
  /** `spec.channel`; absent when none is set. */
  channel?: string;
  /** `spec.upstream` (a graph URL); absent: the default update server. */
  upstream?: string;
}

/** The upgrade source of a ClusterVersion; undefined when it names no desired version. Pure. */
export function upgradeSourceOf(cv: ClusterVersion): ClusterUpgradeSource | undefined {
  const version = cv.status?.desired?.version;
  if (!version) return undefined;
  const { channel, upstream } = cv.spec ?? {};
  return { version, ...(channel ? { channel } : {}), ...(upstream ? { upstream } : {}) };
}

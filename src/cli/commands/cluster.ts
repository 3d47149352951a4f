// The `cluster` commands. A bundle of its own (dist/cli-cluster.js), loaded by main.ts on first use, so that
// `okd-dev release ...` never loads @kubernetes/client-node.
import { clusterApplyManifests, clusterRestoreManifests } from './clusterManifests';
import { clusterOverride } from './clusterOverride';
import { clusterPatch } from './clusterPatch';
import { clusterPullAccess } from './clusterPullAccess';
export { currentReleaseImage } from './clusterRelease';
import { clusterRestore } from './clusterRestore';
import { clusterStatus } from './clusterStatus';
import { clusterUpgrade } from './clusterUpgrade';

export { clusterUpgradeSource } from './clusterUpgradeSource';

export const clusterCommands: Record<string, (argv: string[]) => Promise<void>> = {
  status: clusterStatus,
  override: clusterOverride,
  patch: clusterPatch,
  restore: clusterRestore,
  upgrade: clusterUpgrade,
  'apply-manifests': clusterApplyManifests,
  'restore-manifests': clusterRestoreManifests,
  'can-pull': clusterPullAccess,
};

// Cluster core: kubeconfig, ClusterVersion and ClusterOperators, overrides, patch, rollout, restore, status.
// Loads @kubernetes/client-node (through kube.ts) only when a client connects.
export { ClusterClient, type ConnectOptions, type WatchEventType, type WatchHandle } from './client';
export { watchClusterOperators, watchClusterVersion } from './clusterversion';
export { clusterError, type ClusterWhere, type RequestWhat } from './errors';
export { kubeconfigFiles, type KubeconfigOptions, type KubeconfigParts, loadKubeconfig, type LoadedKubeconfig, mergeKubeconfigs, selectContext } from './kubeconfig';
export { findOperatorDeployment, type OperatorTarget } from './operator';
export {
  addOverride,
  addOverrideEntries,
  deploymentOverride,
  formatOverride,
  type OverrideKey,
  overridesPatch,
  parseOverrideRef,
  removeOverride,
  removeOverrideEntries,
  sameOverride,
} from './overrides';
export { type PatchOperatorOptions, type PatchOperatorResult, patchOperator, planDeploymentPatch, readClusterRelease, resolveImageDigest } from './patch';
export { ORIGINAL_IMAGES_ANNOTATION, PATCHED_LABEL, type PatchRecord, readPatchRecord } from './record';
export { type RestoredOperator, type RestoreOptions, type RestoreResult, restoreAll, restoreOperator } from './restore';
export { podProblem, type RolloutProgress, type RolloutState, rolloutState, waitForRollout } from './rollout';
export { buildClusterStatus, type ClusterStatus, type PatchedOperator, readClusterStatus, renderClusterStatus } from './status';
export {
  type DesiredUpdate,
  desiredUpdateFor,
  desiredUpdatePatch,
  planUpgrade,
  type ReleaseAt,
  startUpgrade,
  upgradeCluster,
  type UpgradeClusterOptions,
  type UpgradePlan,
  type UpgradeProgress,
  type UpgradeResult,
  upgradeState,
  upgradeWarnings,
  waitForUpgrade,
} from './upgrade';
export * from './types';

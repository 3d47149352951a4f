// Pure helpers for "Upgrade Cluster to This Release..." (okd.upgradeCluster, registered by the cluster bundle):
// the confirmation a user reads before spec.desiredUpdate is set. No vscode import.
//
// Intended flow in the cluster bundle:
//   const plan = await planUpgrade({ client, image, registry, cache, platform, token });   // core, changes nothing
//   const c = upgradeConfirmation(plan);
//   if (c.alreadyThere) return showInformationMessage(c.message);
//   if (await showWarningMessage(c.message, { modal: true, detail: c.detail }, c.confirm) !== c.confirm) return;
//   await upgradeCluster({ client, image: plan.target.image, registry, plan, token, onProgress: (p) => report(upgradeProgressText(plan, p)) });
import type { UpgradePlan, UpgradeProgress, UpgradeResult } from '../../core/cluster/upgrade';

export interface UpgradeConfirmation {
  /** One line for the modal's message. */
  message: string;
  /** The rest: from/to images, the exact spec.desiredUpdate, warnings. */
  detail: string;
  /** The label of the confirming button. */
  confirm: string;
  alreadyThere: boolean;
}

function versionOf(r: { version: string }): string {
  return r.version || '<unknown version>';
}

/** The desiredUpdate as it will be written, one line (what `oc get clusterversion -o yaml` would show). */
export function formatDesiredUpdate(plan: UpgradePlan): string {
  const d = plan.desiredUpdate;
  return `spec.desiredUpdate: {image: ${d.image}, force: ${d.force}, version: "${d.version}"}`;
}

export function upgradeConfirmation(plan: UpgradePlan): UpgradeConfirmation {
  if (plan.alreadyThere) {
    return {
      message: `The cluster (context ${plan.context}) already runs ${versionOf(plan.target)}.`,
      detail: `Image: ${plan.target.image}`,
      confirm: 'OK',
      alreadyThere: true,
    };
  }
  const lines = [
    `Cluster: ${plan.server} (context ${plan.context})`,
    '',
    `From: ${versionOf(plan.current)}`,
    `      ${plan.current.image || '<unknown image>'}`,
    `To:   ${versionOf(plan.target)}`,
    `      ${plan.target.image}`,
    '',
    `This sets ${formatDesiredUpdate(plan)}`,
    'like `oc adm upgrade --to-image <image> --allow-explicit-upgrade --force`. The cluster-version operator then applies the whole payload;' +
      (plan.desiredUpdate.force ? ' force skips the signature and precondition checks a custom payload cannot pass.' : ''),
  ];
  if (plan.warnings.length) lines.push('', 'Warnings:', ...plan.warnings.map((w) => `- ${w}`));
  return {
    message: `Upgrade the cluster (context ${plan.context}) from ${versionOf(plan.current)} to ${versionOf(plan.target)}?`,
    detail: lines.join('\n'),
    confirm: 'Upgrade',
    alreadyThere: false,
  };
}

/** A progress line: `4.19.0-...-custom: Working towards ... (2 min)`. */
export function upgradeProgressText(plan: UpgradePlan, progress: UpgradeProgress): string {
  const seconds = Math.round(progress.elapsedMs / 1000);
  const elapsed = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  return `${versionOf(plan.target)}: ${progress.message} (${elapsed})`;
}

/** The message once done. */
export function upgradeDoneText(result: UpgradeResult): string {
  if (result.plan.alreadyThere) return `The cluster already runs ${versionOf(result.plan.target)}.`;
  if (!result.completed) return `Requested the upgrade to ${versionOf(result.plan.target)}; the cluster is working on it.`;
  const warn = result.warnings.length ? ` ${result.warnings.join('; ')}` : '';
  return `The cluster (context ${result.plan.context}) now runs ${result.version}.${warn}`;
}

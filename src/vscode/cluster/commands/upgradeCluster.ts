import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { planUpgrade, startUpgrade, type UpgradeResult, waitForUpgrade } from '../../../core/cluster/upgrade';
import { OkdError } from '../../../core/errors';
import type { Services } from '../../services';
import { readSettings } from '../../settings';
import { upgradeConfirmation, upgradeDoneText, upgradeProgressText } from '../../custom/upgradePlan';
import { validatePullspec } from '../pick';
import { withClusterProgress } from '../progress';
import { payloadOptions } from '../settings';
import { type ClusterCommand, nodeArg, optionsArg, stringOption } from './types';

const TITLE = 'Upgrade Cluster';

/** A Release Explorer release row (okd.release, okd.release.pinned) carries its pullspec. */
function releaseOfExplorerNode(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as { kind?: unknown; pullSpec?: unknown };
  return node.kind === 'release' && typeof node.pullSpec === 'string' ? node.pullSpec : undefined;
}

/** Pinned and loaded releases other than the cluster's, or one typed. */
async function pickRelease(services: Services, current: string | undefined): Promise<string> {
  const seen = new Set<string>(current ? [current] : []);
  const items: (vscode.QuickPickItem & { pullSpec?: string })[] = [];
  for (const pullSpec of readSettings().pinnedReleases) {
    if (seen.has(pullSpec)) continue;
    seen.add(pullSpec);
    items.push({ label: services.library.get(pullSpec)?.version ?? pullSpec, description: 'pinned', detail: pullSpec, pullSpec });
  }
  for (const release of services.library.releases()) {
    if (seen.has(release.pullSpec) || (current && current.endsWith(release.digest))) continue;
    seen.add(release.pullSpec);
    items.push({ label: release.version, description: 'loaded', detail: release.pullSpec, pullSpec: release.pullSpec });
  }
  const typeOne: vscode.QuickPickItem & { pullSpec?: string } = { label: '$(edit) Type a release pullspec...', alwaysShow: true };
  let pullSpec: string | undefined;
  if (items.length) {
    const picked = await vscode.window.showQuickPick([...items, typeOne], { title: TITLE, placeHolder: 'The release payload to run', matchOnDetail: true, ignoreFocusOut: true });
    if (!picked) throw new CancelledError('picking the release');
    pullSpec = picked.pullSpec;
  }
  if (!pullSpec) {
    pullSpec = await vscode.window.showInputBox({
      title: TITLE,
      prompt: 'The release payload to run (a custom one made with Create Custom Release, say)',
      placeHolder: 'quay.io/me/okd-release:4.19.0-okd-scos.16-dev',
      validateInput: validatePullspec,
      ignoreFocusOut: true,
    });
    if (!pullSpec) throw new CancelledError('typing the release');
  }
  return pullSpec.trim();
}

/**
 * okd.upgradeCluster, "Upgrade Cluster to This Release...": from a Release Explorer release row, the Cluster view's
 * release row (then a pick of pinned/loaded releases, or one typed), `{release, confirm?: false, wait?: false,
 * timeoutSeconds?}` or a pullspec. Reads the plan (nothing changes), asks in a modal with the exact
 * spec.desiredUpdate, sets it like `oc adm upgrade --to-image --allow-explicit-upgrade --force` and follows the
 * ClusterVersion until the cluster reports the new version. Cancel stops following; the cluster keeps upgrading.
 * Returns the UpgradeResult.
 */
export const upgradeCluster: ClusterCommand = {
  id: 'okd.upgradeCluster',
  async run({ services, model }, arg) {
    const options = optionsArg(arg);
    const fromExplorer = releaseOfExplorerNode(arg);
    const clusterRow = nodeArg(arg)?.kind === 'release' && !fromExplorer;
    const client = await model.connected();
    let image = fromExplorer ?? stringOption(options, 'release') ?? (typeof arg === 'string' ? arg.trim() : undefined);
    if (!image) {
      if (!clusterRow && arg !== undefined) throw new OkdError('invalid-input', 'Upgrade Cluster needs a release', 'run it on a release in the Release Explorer, or pass {release: PULLSPEC}');
      image = await pickRelease(services, model.status?.release?.image);
    }
    const invalid = validatePullspec(image);
    if (invalid) throw new OkdError('invalid-input', invalid);
    const target = image;

    const plan = await withClusterProgress(`Reading release ${target}`, (_report, token) => planUpgrade({ client, image: target, ...payloadOptions(services, token) }));
    const confirmation = upgradeConfirmation(plan);
    if (confirmation.alreadyThere) {
      void vscode.window.showInformationMessage(confirmation.message);
      return { plan, version: plan.target.version, warnings: [confirmation.message], ms: 0 } satisfies UpgradeResult;
    }
    if (options?.['confirm'] !== false) {
      const choice = await vscode.window.showWarningMessage(confirmation.message, { modal: true, detail: confirmation.detail }, confirmation.confirm);
      if (choice !== confirmation.confirm) throw new CancelledError('the upgrade');
    }

    services.logger.info(`cluster: upgrade ${client.server} (context ${client.context}) from ${plan.current.version} to ${plan.target.version} (${plan.target.image})`);
    const timeoutSeconds = typeof options?.['timeoutSeconds'] === 'number' ? (options['timeoutSeconds'] as number) : undefined;
    let requested = false;
    try {
      const result = await withClusterProgress(`Upgrading the cluster to ${plan.target.version}`, async (report, token): Promise<UpgradeResult> => {
        const started = Date.now();
        report(`setting spec.desiredUpdate to ${plan.target.image}`);
        await startUpgrade(client, plan, token);
        requested = true;
        void model.reread();
        if (options?.['wait'] === false) return { plan, version: plan.current.version, warnings: [], ms: Date.now() - started };
        return waitForUpgrade({
          client,
          plan,
          ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}),
          token,
          onProgress: (p) => {
            services.logger.info(`cluster: upgrade: ${p.message}`);
            report(upgradeProgressText(plan, p));
          },
        });
      });
      const done = upgradeDoneText(result);
      services.logger.info(`cluster: ${done}`);
      void vscode.window.showInformationMessage(done);
      return result;
    } catch (err) {
      if (err instanceof CancelledError && requested) {
        const text = `Stopped following the upgrade to ${plan.target.version}; the update continues in the cluster (the Cluster view shows its history).`;
        services.logger.info(`cluster: ${text}`);
        void vscode.window.showInformationMessage(text);
        return { plan, version: plan.current.version, warnings: [text], ms: 0 } satisfies UpgradeResult;
      }
      throw err;
    } finally {
      void model.reread();
    }
  },
};

import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { readClusterRelease } from '../../../core/cluster/patch';
import { formatOverride } from '../../../core/cluster/overrides';
import { apply } from '../../../core/manifests/apply';
import { diff, diffSummary } from '../../../core/manifests/diff';
import { formatRef } from '../../../core/manifests/objects';
import { render } from '../../../core/manifests/render';
import { pendingObjects, reviewManifests } from '../manifestsDiff';
import { withClusterProgress } from '../progress';
import { payloadOptions } from '../settings';
import { pickCheckout } from './devLoop';
import { type ClusterCommand, nodeArg, optionsArg, stringOption } from './types';

const TITLE = 'Apply Checkout Manifests';

/**
 * okd.applyManifests, "Apply Checkout Manifests to Cluster": renders the checkout's manifests/ for the cluster's
 * release (as `okd-dev cluster apply-manifests` does), shows the difference of each changed object in the diff
 * editor, asks (modal) and applies them, each behind its own ClusterVersion override. From the Cluster view's
 * workspace row, its title, the palette, or `{path?, component?, confirm?: false}`. Returns the difference and what
 * was applied (`applied` is empty when nothing changed or the user said no).
 */
export const applyManifests: ClusterCommand = {
  id: 'okd.applyManifests',
  async run({ services, model, workspace }, arg) {
    const node = nodeArg(arg);
    const options = optionsArg(arg);
    const fromRow = node?.kind === 'workspace' ? node.build : undefined;
    const dir = fromRow?.root ?? (await pickCheckout(arg instanceof vscode.Uri ? arg : undefined, options, workspace));
    const component = stringOption(options, 'component') ?? fromRow?.component ?? workspace?.buildFor(dir)?.component;
    const client = await model.connected();
    const logger = services.logger;
    logger.info(`manifests: rendering ${dir}/manifests${component ? ` (${component})` : ''} for the release of ${client.context}`);

    const d = await withClusterProgress(`${TITLE}: comparing with cluster ${client.context}`, async (report, token) => {
      report('reading the cluster\'s release');
      const { release } = await readClusterRelease(client, payloadOptions(services, token));
      report(`rendering manifests/ for ${release.version}`);
      const rendered = await render(dir, release, component ? { component } : {});
      report('comparing with the cluster');
      return diff(client, rendered);
    });
    const pending = pendingObjects(d);
    for (const w of d.warnings) logger.warn(`manifests: ${w}`);
    logger.info(`manifests: ${d.component} for ${d.version}: ${pending.length} to apply, ${d.objects.length - pending.length} unchanged or skipped`);
    if (!pending.length) {
      void vscode.window.showInformationMessage(`Nothing to apply: cluster ${client.context} holds the ${d.objects.length} objects of ${d.component}'s manifests/.`);
      return { ...diffSummary(d), applied: [] };
    }
    if (options?.['confirm'] !== false) {
      const answer = await reviewManifests(d, { context: client.context, applyLabel: 'Apply', logger });
      if (answer !== 'apply') {
        logger.info('manifests: not applied (cancelled)');
        throw new CancelledError(TITLE);
      }
    }

    const result = await withClusterProgress(`${TITLE}: ${d.component}`, (report, token) =>
      apply(client, d, {
        token,
        onStep: (m) => {
          logger.info(`manifests: ${m}`);
          report(m);
        },
      }),
    ).finally(() => void model.reread());
    for (const a of result.applied) logger.info(`manifests: ${a.how} ${formatRef(a.ref)}, override ${formatOverride(a.override)}${a.overrideAdded ? ' added' : ' (already set)'}`);
    for (const w of result.warnings.filter((w) => !d.warnings.includes(w))) logger.warn(`manifests: ${w}`);
    logger.info(`manifests: recorded in ConfigMap ${result.record.namespace}/${result.record.name}`);
    const restore = 'Restore';
    void vscode.window
      .showInformationMessage(`Applied ${result.applied.length} object(s) of ${d.component}'s manifests/ to cluster ${client.context}, each behind its override.`, restore)
      .then((choice) => {
        if (choice === restore) void vscode.commands.executeCommand('okd.restoreOperator', { operator: d.component });
      });
    return {
      ...diffSummary(d),
      applied: result.applied.map((a) => ({ object: formatRef(a.ref), how: a.how, override: formatOverride(a.override), overrideAdded: a.overrideAdded })),
      record: result.record,
    };
  },
};

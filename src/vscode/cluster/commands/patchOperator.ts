import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { findOperatorWorkload, type OperatorTarget } from '../../../core/cluster/operator';
import { workloadOverride } from '../../../core/cluster/overrides';
import { patchOperator as patch, planWorkloadPatch, resolveImageDigest } from '../../../core/cluster/patch';
import { PullAccessRefused } from '../../../core/cluster/pullAccess';
import { waitForRollout } from '../../../core/cluster/rollout';
import { describeWorkload, getWorkload, workloadRef } from '../../../core/cluster/workloads';
import { OkdError } from '../../../core/errors';
import { shortImage } from '../items';
import { pickImage, pickOperator, rememberImage, type SuggestedImage, validatePullspec } from '../pick';
import { withClusterProgress } from '../progress';
import { payloadOptions, rolloutTimeoutMs } from '../settings';
import { patchIfOperand } from './patchOperand';
import { readSettings } from '../../settings';
import { type ClusterCommand, optionsArg, stringOption } from './types';

export interface PatchOutcome {
  operator: string;
  kind: OperatorTarget['kind'];
  namespace: string;
  name: string;
  /** The digest pullspec now in the workload. */
  image: string;
  overrideAdded: boolean;
  rollout: 'complete' | 'failed' | 'not-waited';
  reason?: string;
  /** The global pull secret entry added for the image (`addPullSecret`): restore takes it out again. */
  pullSecretKey?: string;
}

/** The patch was stopped before any change: the cluster may not pull the image (what the notification offered). */
export interface PullRefusedOutcome {
  operator: string;
  image: string;
  refused: string;
  /** The buttons of the notification. */
  fixes: string[];
}

/** The button that adds the user's own login for the image's registry to the global pull secret. */
export function addLoginFix(registry: string): string {
  return `Add my login for ${registry} to the cluster pull secret`;
}

/** The exact override entry and workload changes, as the confirmation shows them. */
export function describePlan(target: OperatorTarget, override: object, containers: Record<string, string>, env: Record<string, Record<string, string>>, image: string): string {
  const lines = [
    `ClusterVersion "version" spec.overrides gets this entry (the cluster-version operator then leaves the ${target.kind} alone):`,
    `  ${JSON.stringify(override)}`,
    '',
    `${describeWorkload(target.kind, target.namespace, target.name)}:`,
    ...Object.entries(containers).map(([c, old]) => `  container ${c}: ${old} -> ${image}`),
    ...Object.entries(env).flatMap(([c, vars]) => Object.entries(vars).map(([name, old]) => `  env ${c}/${name}: ${old} -> ${image}`)),
    '',
    `The original images are recorded on the ${target.kind}; Restore Operator puts the payload back.`,
  ];
  return lines.join('\n');
}

/** `suggestedImages: [{image, description}]`: offered first in the image picker (the Release Explorer's Patch into Cluster). */
/** Does a Deployment or DaemonSet of the payload run this component (an operator), or is it only named (an operand)? */
function runsAsWorkload(release: { operators: { deployments: { containers: { component?: string }[] }[] }[] }, component: string): boolean {
  return release.operators.some((o) => o.deployments.some((w) => w.containers.some((c) => c.component === component)));
}

function suggestedImages(options: Record<string, unknown> | undefined): SuggestedImage[] {
  const list = options?.['suggestedImages'];
  if (!Array.isArray(list)) return [];
  return list.filter((s): s is SuggestedImage => typeof s === 'object' && s !== null && typeof (s as SuggestedImage).image === 'string' && !validatePullspec((s as SuggestedImage).image)).map((s) => ({ image: s.image, description: typeof s.description === 'string' ? s.description : '' }));
}

/**
 * The refusal of a pull-access check, as a notification offering the fixes; the cluster was not touched. "Add my
 * login for REGISTRY..." patches again with the user's login added to the global pull secret (as
 * `okd-dev cluster patch --add-pull-secret`; restore takes it out again).
 */
function offerPullFixes(operator: string, err: PullAccessRefused, options: Record<string, unknown> | undefined): PullRefusedOutcome {
  const fixes = err.loginHelps ? [addLoginFix(err.registry)] : [];
  void vscode.window.showErrorMessage(`${err.describe()}`, ...fixes, 'Show Log').then((choice) => {
    if (choice === fixes[0]) void vscode.commands.executeCommand('okd.patchOperator', { ...options, operator, image: err.image, confirm: false, addPullSecret: true });
    else if (choice === 'Show Log') void vscode.commands.executeCommand('okd.showLog');
  });
  return { operator, image: err.image, refused: err.message, fixes };
}

/**
 * okd.patchOperator: pick an operator of the cluster's current payload and an image, confirm the exact override
 * and patch, then patch and follow the rollout. Tests and other commands can skip the UI:
 * `executeCommand('okd.patchOperator', {operator, image, confirm: false, wait?: false, addPullSecret?: true})`
 * returns a PatchOutcome (a PullRefusedOutcome when the cluster may not pull the image: nothing changed, the
 * notification offers the fixes).
 */
export const patchOperator: ClusterCommand = {
  id: 'okd.patchOperator',
  async run(context, arg) {
    const { services, model } = context;
    const options = optionsArg(arg);
    const client = await model.connected();
    const releaseImage = model.status?.release?.image ?? (await client.getClusterVersion()).status?.desired?.image;
    if (!releaseImage) throw new OkdError('not-found', `the ClusterVersion of context ${client.context} has no status.desired.image`, 'wait for the cluster-version operator to load its payload');

    const release =
      services.library.get(releaseImage) ??
      (await withClusterProgress(`Reading release ${releaseImage}`, (_report, token) => services.library.load(releaseImage, token)));
    const named = stringOption(options, 'operator');
    let givenImage = stringOption(options, 'image');
    // A component no workload of the payload runs (an operand, e.g. from an image row): its image picked first.
    if (named && !givenImage && !named.includes('/') && !runsAsWorkload(release, named)) {
      const component = release.components.find((c) => c.name === named);
      if (component) givenImage = await pickImage(services, { operator: named, containers: [{ image: component.pullSpec }] }, suggestedImages(options));
    }
    // An operand (taken by its operators from env, args or a ConfigMap) is patched where they take it from.
    if (named && givenImage && !validatePullspec(givenImage)) {
      const operand = await patchIfOperand(context, client, named, givenImage, options);
      if (operand) return operand;
    }
    const target = named ? findOperatorWorkload(release, named) : await pickOperator(release, 'The operator to run your image as');
    const given = givenImage;
    const invalid = given ? validatePullspec(given) : undefined;
    if (invalid) throw new OkdError('invalid-input', invalid);
    let image = given ?? (await pickImage(services, target, suggestedImages(options)));

    const override = workloadOverride(target.kind, target.namespace, target.name);
    if (options?.['confirm'] !== false) {
      const plan = await withClusterProgress(`Preparing the patch of ${target.operator}`, async (_report, token) => {
        const digest = await resolveImageDigest(image, services.registry(), token);
        const live = await getWorkload(client, target.kind, target.namespace, target.name);
        return { digest, record: planWorkloadPatch(live, target, digest, override).record };
      });
      const detail = describePlan(target, override, plan.record.containers, plan.record.env, plan.digest);
      const choice = await vscode.window.showWarningMessage(`Patch ${target.operator} in cluster ${client.context}?`, { modal: true, detail }, 'Patch');
      if (choice !== 'Patch') throw new CancelledError('the patch');
      image = plan.digest; // what was confirmed, even if the tag moves meanwhile
    }

    const operator = target.operator;
    const addPullSecret = options?.['addPullSecret'] === true;
    services.logger.info(`cluster: patch ${operator} (${describeWorkload(target.kind, target.namespace, target.name)}) with ${image} on ${client.server}`);
    const outcome = await withClusterProgress(`Patching ${operator}`, async (report, token) => {
      const settings = readSettings();
      // Checked first, as the kubelet will pull it: a private image stops here with the cluster unchanged.
      const pullAccess = { insecure: settings.insecureRegistries, ...(settings.registryCaFile ? { caFile: settings.registryCaFile } : {}), logger: services.logger };
      const result = await patch(client, {
        ...payloadOptions(services, token),
        operator,
        image,
        pullAccess,
        ...(addPullSecret ? { addPullSecret: { ...(settings.registryAuthFile ? { authFile: settings.registryAuthFile } : {}), logger: services.logger } } : {}),
        onStep: (m) => {
          services.logger.info(`cluster: ${m}`);
          report(m);
        },
      });
      void rememberImage(services, stringOption(options, 'image') ?? result.image);
      void model.reread();
      const base = { operator, kind: result.target.kind, namespace: result.target.namespace, name: result.target.name, image: result.image, overrideAdded: result.overrideAdded, ...(result.record.pullSecretKey ? { pullSecretKey: result.record.pullSecretKey } : {}) };
      if (options?.['wait'] === false) return { ...base, rollout: 'not-waited' } satisfies PatchOutcome;
      report('waiting for the rollout');
      try {
        const state = await waitForRollout(client, {
          kind: result.target.kind,
          namespace: result.target.namespace,
          name: result.target.name,
          expect: { images: Object.fromEntries(result.target.containers.map((c) => [c.name, result.image])), mode: 'required' },
          timeoutMs: rolloutTimeoutMs(),
          token,
          onProgress: (p) => report(`rollout: ${p.message}`),
        });
        services.logger.info(`cluster: rollout of ${operator} complete: ${state.progress.message}`);
        return { ...base, rollout: 'complete' } satisfies PatchOutcome;
      } catch (err) {
        if (!(err instanceof OkdError)) throw err;
        services.logger.error(`cluster: rollout of ${operator} failed: ${err.message}`);
        return { ...base, rollout: 'failed', reason: err.message } satisfies PatchOutcome;
      }
    }).catch((err: unknown) => {
      if (err instanceof PullAccessRefused) return err;
      throw err;
    });
    if (outcome instanceof PullAccessRefused) {
      services.logger.warn(`cluster: the patch of ${operator} stopped before any change: ${outcome.describe()}`);
      return offerPullFixes(operator, outcome, options);
    }
    void model.reread();

    // Not awaited: a test driving the command with arguments gets the outcome at once.
    const restore = 'Restore';
    const showLogs = 'Show Logs';
    const answer =
      outcome.rollout === 'failed'
        ? vscode.window.showErrorMessage(`Rollout of ${operator} failed: ${outcome.reason ?? 'unknown reason'}. The patch stays in place.`, restore, showLogs)
        : vscode.window.showInformationMessage(
            `${operator} runs ${shortImage(outcome.image)}${outcome.rollout === 'complete' ? ': rollout complete' : ' (not waiting for the rollout)'}.`,
            showLogs,
            restore,
          );
    void answer.then((choice) => {
      const ref = workloadRef(outcome.kind, outcome.namespace, outcome.name);
      if (choice === restore) void vscode.commands.executeCommand('okd.restoreOperator', { operator: ref });
      if (choice === showLogs) void vscode.commands.executeCommand('okd.showOperatorLogs', { kind: outcome.kind, namespace: outcome.namespace, name: outcome.name, operator });
    });
    return outcome;
  },
};

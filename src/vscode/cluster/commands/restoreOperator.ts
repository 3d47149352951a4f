import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { describeRestoredObject, type RestoredOperand } from '../../../core/cluster/operandRestore';
import { describeRestoreOutcome, type RestoredOperator } from '../../../core/cluster/restore';
import { formatOverride, isWorkloadOverride } from '../../../core/cluster/overrides';
import { readClusterStatus } from '../../../core/cluster/status';
import { workloadRef } from '../../../core/cluster/workloads';
import { OkdError } from '../../../core/errors';
import { type ComponentRestoreResult, manifestComponents, restoreComponentAndManifests } from '../../../core/manifests/componentRestore';
import { describeRestoredManifests } from '../../../core/manifests/undo';
import { restoreTargetOf } from '../nodes';
import { withClusterProgress } from '../progress';
import { payloadOptions, rolloutTimeoutMs } from '../settings';
import type { Services } from '../../services';
import { type ClusterCommand, nodeArg, optionsArg, stringOption } from './types';

export function describeRestored(r: RestoredOperator): string {
  return `Restored ${r.operator}: ${describeRestoreOutcome(r)}${r.verified ? ', rolled out' : ''}.`;
}

/** The message after a restore: the operator (or operand), and the manifests okd-dev had applied for it. */
function describeComponentRestore(r: ComponentRestoreResult): string {
  const parts: string[] = [];
  if (r.restored && 'operator' in r.restored) parts.push(describeRestored(r.restored.operator));
  if (r.restored && 'operand' in r.restored) parts.push(describeRestoredOperand(r.restored.operand));
  if (r.manifests) parts.push(`Its manifests: ${r.manifests.restored.length} object(s) back to the payload.`);
  return parts.join(' ');
}

/** An operand restore in one line: every object it put back, and the operand's workloads. */
export function describeRestoredOperand(r: RestoredOperand): string {
  const operands = r.operands.length ? `; ${r.operands.join(', ')} run the payload image again` : '';
  return `Restored ${r.component}: ${r.objects.map(describeRestoredObject).join('; ')}${operands}${r.verified ? ', rolled out' : ''}.`;
}

/** The options both restore commands pass to core: payload reading, wait, timeout, and steps to log and progress. */
export function restoreOptions(services: Services, options: Record<string, unknown> | undefined, report: (message: string) => void, token: vscode.CancellationToken) {
  return {
    ...payloadOptions(services, token),
    wait: options?.['wait'] !== false,
    timeoutMs: rolloutTimeoutMs(),
    onStep: (m: string) => {
      services.logger.info(`cluster: ${m}`);
      report(m);
    },
    onProgress: (p: { message: string }) => report(`rollout: ${p.message}`),
  };
}

/**
 * okd.restoreOperator: from a Cluster view row (override, patched operator, operand patch or one of its rows),
 * `{operator, wait?}` (component or NAMESPACE/NAME, daemonset/NAMESPACE/NAME) or a string; otherwise a QuickPick of
 * our patched operators and operands and Deployment and DaemonSet overrides. A component patched as an operand gets
 * every object its patch edited back (and only the overrides it added removed). Returns the RestoredOperator, or
 * the RestoredOperand of an operand.
 */
export const restoreOperator: ClusterCommand = {
  id: 'okd.restoreOperator',
  async run({ services, model }, arg) {
    const options = optionsArg(arg);
    const node = nodeArg(arg);
    let operator = (node && restoreTargetOf(node)) ?? stringOption(options, 'operator') ?? (typeof arg === 'string' ? arg : undefined);
    if (node && !operator) throw new OkdError('invalid-input', `${node.kind === 'override' ? formatOverride(node.override) : node.id} is not an operator okd-dev can restore`);
    const client = await model.connected();
    if (!operator) {
      const status = await readClusterStatus(client);
      const withManifests = await manifestComponents(client);
      const items = [
        ...withManifests
          .filter((c) => !status.patched.some((p) => p.operator === c))
          .map((c) => ({ label: c, description: 'manifests applied by okd-dev', operator: c })),
        ...status.patched.map((p) => ({ label: p.operator, description: `${p.kind} ${p.namespace}/${p.name} · patched by okd-dev`, operator: p.operator })),
        ...status.operands.map((p) => ({ label: p.component, description: `operand · ${p.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`).join(', ')} · patched by okd-dev`, operator: p.component })),
        ...status.overrides
          .filter(isWorkloadOverride)
          .filter((o) => !o.operand && !status.patched.some((p) => p.kind === o.kind && p.namespace === o.namespace && p.name === o.name))
          .map((o) => {
            const ref = workloadRef(o.kind, o.namespace, o.name);
            return { label: ref, description: `${o.kind} override ${o.ours ? '(okd-dev)' : '(not okd-dev)'}`, operator: ref };
          }),
      ];
      if (!items.length) {
        void vscode.window.showInformationMessage(`Nothing to restore: no operator is patched, no manifests are applied and no Deployment or DaemonSet is overridden in cluster ${client.context}.`);
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(items, { title: 'Restore Operator', placeHolder: 'The operator to put back to its payload', ignoreFocusOut: true });
      if (!picked) throw new CancelledError('picking the operator');
      operator = picked.operator;
    }
    const name = operator;
    services.logger.info(`cluster: restore ${name} on ${client.server}`);
    const result = await withClusterProgress(`Restoring ${name}`, (report, token) => restoreComponentAndManifests(client, name, restoreOptions(services, options, report, token))).finally(
      () => void model.reread(),
    );
    if (result.manifests) for (const line of describeRestoredManifests(result.manifests).split('\n')) services.logger.info(`cluster: ${line}`);
    const message = describeComponentRestore(result);
    services.logger.info(`cluster: ${message}`);
    void vscode.window.showInformationMessage(message);
    // The operator's (or operand's) restore as before, with what happened to the manifests.
    const restored = result.restored ? ('operator' in result.restored ? result.restored.operator : result.restored.operand) : {};
    return { ...restored, ...(result.manifests ? { manifests: result.manifests } : {}) };
  },
};

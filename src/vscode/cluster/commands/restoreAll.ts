import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { formatOverride } from '../../../core/cluster/overrides';
import { restoreAllAndManifests as restore, manifestComponents } from '../../../core/manifests/componentRestore';
import { readClusterStatus } from '../../../core/cluster/status';
import { withClusterProgress } from '../progress';
import { describeRestored, describeRestoredOperand, restoreOptions } from './restoreOperator';
import { type ClusterCommand, optionsArg } from './types';

/**
 * okd.restoreAll: restores every operator and operand okd-dev patched (found by its labels, from any machine) after a modal
 * confirmation; overrides okd-dev did not add are reported and left alone. `{confirm: false, wait?}` skips the
 * confirmation. Returns the RestoreResult.
 */
export const restoreAll: ClusterCommand = {
  id: 'okd.restoreAll',
  async run({ services, model }, arg) {
    const options = optionsArg(arg);
    const client = await model.connected();
    if (options?.['confirm'] !== false) {
      const status = await readClusterStatus(client);
      const withManifests = await manifestComponents(client);
      if (!status.patched.length && !status.operands.length && !withManifests.length) {
        const others = status.overrides.length ? ` Overrides not added by okd-dev stay: ${status.overrides.map(formatOverride).join(', ')}.` : '';
        void vscode.window.showInformationMessage(`No operator patched by okd-dev in cluster ${client.context}.${others}`);
        return { restored: [], operands: [], otherOverrides: status.overrides };
      }
      const detail = [
        ...status.patched.map((p) => `${p.operator} (${p.kind} ${p.namespace}/${p.name})`),
        ...status.operands.map((p) => `${p.component} (operand: ${p.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`).join(', ')})`),
        ...withManifests.map((c) => `${c}: the manifests okd-dev applied`),
      ].join('\n');
      const count = status.patched.length + status.operands.length;
      const manifestsPart = withManifests.length ? ` and the manifests of ${withManifests.length} component(s)` : '';
      const choice = await vscode.window.showWarningMessage(`Restore ${count} patched component(s)${manifestsPart} in cluster ${client.context} to the payload?`, { modal: true, detail }, 'Restore All');
      if (choice !== 'Restore All') throw new CancelledError('restore all');
    }
    services.logger.info(`cluster: restore all on ${client.server}`);
    const result = await withClusterProgress('Restoring all patched operators', (report, token) => restore(client, restoreOptions(services, options, report, token))).finally(
      () => void model.reread(),
    );
    const lines = [
      ...result.manifests.map((m) => `Restored the manifests of ${m.component} (${m.restored.length} object(s)).`),
      ...result.operands.map(describeRestoredOperand),
      ...result.restored.map(describeRestored),
    ];
    if (result.otherOverrides.length) lines.push(`Left in place (not added by okd-dev): ${result.otherOverrides.map(formatOverride).join(', ')}.`);
    const message = lines.length ? lines.join(' ') : 'No operator patched by okd-dev.';
    services.logger.info(`cluster: ${message}`);
    void vscode.window.showInformationMessage(message);
    return result;
  },
};

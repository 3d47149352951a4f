import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { revealTarget } from '../nodes';
import { type ClusterCommand, optionsArg, stringOption } from './types';

interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

function workloadsOf(value: unknown): WorkloadRef[] {
  if (!Array.isArray(value)) return [];
  return value.filter((w): w is WorkloadRef => typeof w === 'object' && w !== null && ['kind', 'namespace', 'name'].every((k) => typeof (w as Record<string, unknown>)[k] === 'string'));
}

/**
 * okd.cluster.reveal `{operator, workloads?, clusterOperators?}` (the Release Explorer's Show in Cluster View): shows
 * the Cluster view with the component's patched row selected and expanded (its override and images), else its
 * ClusterOperator, else the Cluster Operators group. Reads the status again first, so a patch made a moment ago is
 * found. Returns the id of the row shown.
 */
export const reveal: ClusterCommand = {
  id: 'okd.cluster.reveal',
  async run({ services, model, view }, arg) {
    const options = optionsArg(arg);
    const operator = stringOption(options, 'operator') ?? (typeof arg === 'string' ? arg : undefined);
    if (!operator) throw new OkdError('invalid-input', 'Show in Cluster View needs {operator: <component>}');
    await vscode.commands.executeCommand('okd.cluster.focus');
    const state = await model.load();
    if (state.kind === 'connected') await model.reread();
    const status = model.status;
    if (!status) {
      const now = model.state;
      throw new OkdError('unreachable', now.kind === 'error' ? now.message : 'no cluster is connected', now.kind === 'error' ? undefined : 'set okd.kubeconfig or log in with `oc login`');
    }
    const clusterOperators = Array.isArray(options?.['clusterOperators']) ? (options['clusterOperators'] as unknown[]).filter((c): c is string => typeof c === 'string') : [];
    const target = revealTarget(status, operator, workloadsOf(options?.['workloads']), clusterOperators);
    if (!target) throw new OkdError('not-found', `the Cluster view has no row for ${operator}`);
    services.logger.info(`cluster: reveal ${target.id} for ${operator}`);
    await view.reveal(target, { select: true, focus: true, expand: target.kind === 'patched' ? 1 : target.kind === 'group' });
    return target.id;
  },
};

import vscode = require('vscode');
import { patchableWorkloadsOf } from '../operatorRows';
import { operatorArgument } from './operatorArg';
import type { ReleaseCommand } from './types';

/**
 * okd.showInClusterView (an operator row, or {release, operator}): the Cluster view's row of that component when it
 * is patched, else its ClusterOperator, else the Cluster Operators group (okd.cluster.reveal). Returns the id shown.
 */
export const showInClusterView: ReleaseCommand = {
  id: 'okd.showInClusterView',
  async run(explorer, arg) {
    const { operator, component } = await operatorArgument(explorer, arg, 'Show in Cluster View');
    return vscode.commands.executeCommand('okd.cluster.reveal', {
      operator: component.name,
      workloads: operator ? patchableWorkloadsOf(operator).map((w) => ({ kind: w.kind, namespace: w.namespace, name: w.name })) : [],
      clusterOperators: operator?.clusterOperators ?? [],
    });
  },
};

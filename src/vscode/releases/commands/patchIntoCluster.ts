import vscode = require('vscode');
import { operatorArgument } from './operatorArg';
import type { ReleaseCommand } from './types';

/**
 * okd.patchIntoCluster (an operator row, or {release, operator}): Patch Operator Image into Cluster with the row's
 * component as the operator and this release's image of it offered first; okd.patchOperator shows the exact
 * override and change to confirm. Returns what okd.patchOperator returned.
 */
export const patchIntoCluster: ReleaseCommand = {
  id: 'okd.patchIntoCluster',
  async run(explorer, arg) {
    const { release, component } = await operatorArgument(explorer, arg, 'Patch into Cluster');
    explorer.services.logger.info(`okd.patchIntoCluster: ${component.name}, offering ${component.pullSpec} (release ${release.version})`);
    return vscode.commands.executeCommand('okd.patchOperator', {
      operator: component.name,
      suggestedImages: [{ image: component.pullSpec, description: `${component.name} of release ${release.version}` }],
    });
  },
};

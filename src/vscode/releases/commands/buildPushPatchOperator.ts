import vscode = require('vscode');
import { operatorArgument } from './operatorArg';
import type { ReleaseCommand } from './types';

/**
 * okd.buildPushPatchOperator (an operator row the open checkout builds, or {release, operator}): Build, Push & Patch
 * of the checkout that builds the row's component (okd.devLoop with `{component}`). The menu shows it only for the
 * rows in okd.workspace.operatorRows.
 */
export const buildPushPatchOperator: ReleaseCommand = {
  id: 'okd.buildPushPatchOperator',
  async run(explorer, arg) {
    const { component } = await operatorArgument(explorer, arg, 'Build, Push & Patch');
    explorer.services.logger.info(`okd.buildPushPatchOperator: ${component.name}`);
    return vscode.commands.executeCommand('okd.devLoop', { component: component.name });
  },
};

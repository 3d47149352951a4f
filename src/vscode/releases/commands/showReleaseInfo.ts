import vscode = require('vscode');
import { releaseArgument } from '../args';
import { releaseInfoUri } from '../documents';
import type { ReleaseCommand } from './types';

/** okd.showReleaseInfo: `oc adm release info --commits` of a release as a read-only document. */
export const showReleaseInfo: ReleaseCommand = {
  id: 'okd.showReleaseInfo',
  async run(explorer, arg) {
    const pullSpec = await releaseArgument(explorer, arg, 'Show Release Info');
    if (!pullSpec) return undefined;
    explorer.services.logger.info(`okd.showReleaseInfo: ${pullSpec}`);
    const release = await explorer.loadRelease(pullSpec);
    const document = await vscode.workspace.openTextDocument(releaseInfoUri(pullSpec, release.version));
    await vscode.window.showTextDocument(document, { preview: true });
    return document.uri.toString();
  },
};

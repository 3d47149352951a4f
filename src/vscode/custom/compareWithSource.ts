import vscode = require('vscode');
import { releaseArgument } from '../releases/args';
import type { ReleaseCommand } from '../releases/commands/types';
import { sourceComparisonUri } from './documents';
import { sourceReleaseOf } from './plan';

/**
 * okd.compareWithSource (release): for a payload built by Create Custom Release (or `oc adm release new`), whose
 * image-references names its source in `release.openshift.io/from-release`, opens the comparison with that source:
 * the replaced images, each marked override, then the full `release info SOURCE CUSTOM`. Returns the document's URI.
 */
export const compareWithSource: ReleaseCommand = {
  id: 'okd.compareWithSource',
  async run(explorer, arg) {
    const pullSpec = await releaseArgument(explorer, arg, 'Compare with Source Release');
    if (!pullSpec) return undefined;
    const release = await explorer.loadRelease(pullSpec);
    const source = sourceReleaseOf(release);
    if (!source) {
      explorer.services.logger.info(`okd.compareWithSource: ${pullSpec} has no release.openshift.io/from-release`);
      void vscode.window
        .showWarningMessage(
          `${release.version} was not built from another release: its image-references has no release.openshift.io/from-release annotation (only payloads made by Create Custom Release or oc adm release new have one).`,
          'Compare Releases...',
        )
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('okd.compareReleases', pullSpec);
        });
      return undefined;
    }
    explorer.services.logger.info(`okd.compareWithSource: ${source} -> ${pullSpec}`);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading the source release ${source}`, cancellable: true }, (_progress, token) =>
      explorer.loadRelease(source, token),
    );
    const document = await vscode.workspace.openTextDocument(sourceComparisonUri(pullSpec, release.version));
    await vscode.window.showTextDocument(document, { preview: true });
    return document.uri.toString();
  },
};

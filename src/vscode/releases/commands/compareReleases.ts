import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { describeError, OkdError } from '../../../core/errors';
import type { Release } from '../../../core/release/model';
import { compareReleaseTags } from '../../../core/release/tags';
import { asNode, releaseArgument } from '../args';
import { changelogMarkdown, changelogUri } from '../changelog';
import { releaseDiffUri } from '../documents';
import { releaseNodeOf } from '../nodes';
import { pickRelease } from '../pick';
import type { ReleaseExplorer } from '../explorer';
import type { ReleaseCommand } from './types';

/**
 * okd.compareReleases (release, [other]): `oc adm release info --commits OLD NEW` as a read-only document. With two
 * releases selected in the tree they are compared; otherwise the other one is picked or typed. The older release
 * (by version) is FROM. The changelog of the changed components (their merged pull requests, with links) is then read
 * with a cancellable progress notification and opened beside it, unless okd.compareReleases.changelog is off.
 */
export const compareReleases: ReleaseCommand = {
  id: 'okd.compareReleases',
  async run(explorer, arg, second) {
    const first = await releaseArgument(explorer, arg, 'Compare Releases: first release');
    if (!first) return undefined;
    let other: string | undefined;
    if (typeof second === 'string') other = second;
    else if (Array.isArray(second)) {
      other = second
        .map((n) => releaseNodeOf(asNode(n))?.pullSpec)
        .find((p) => p !== undefined && p !== first);
    }
    other ??= await pickRelease(explorer, { title: `Compare ${first} with...`, exclude: first });
    if (!other) return undefined;
    if (other === first) throw new OkdError('invalid-input', 'pick a different release to compare with');
    explorer.services.logger.info(`okd.compareReleases: ${first} ${other}`);
    const [a, b] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Reading releases to compare', cancellable: true },
      (_progress, token) => Promise.all([explorer.loadRelease(first, token), explorer.loadRelease(other, token)]),
    );
    // Documents look releases up by the pullspec they were read with, which may differ from release.pullSpec.
    const pairs = [
      { pullSpec: first, release: a },
      { pullSpec: other, release: b },
    ];
    const [from, to] = compareReleaseTags(a.version, b.version) <= 0 ? pairs : pairs.reverse();
    if (!from || !to) return undefined;
    const document = await vscode.workspace.openTextDocument(releaseDiffUri(from.pullSpec, from.release.version, to.pullSpec, to.release.version));
    await vscode.window.showTextDocument(document, { preview: true });
    if (vscode.workspace.getConfiguration('okd').get<boolean>('compareReleases.changelog', true)) {
      // Not awaited: the diff is there to read while the repositories are cloned or fetched.
      void showChangelog(explorer, from, to);
    }
    return document.uri.toString();
  },
};

/** Reads the changelog with progress (cancel kills git) and opens it beside the diff; failures go to the log and a toast. */
async function showChangelog(explorer: ReleaseExplorer, from: { pullSpec: string; release: Release }, to: { pullSpec: string; release: Release }): Promise<void> {
  const logger = explorer.services.logger;
  const uri = changelogUri(from.pullSpec, from.release.version, to.pullSpec, to.release.version);
  try {
    const text = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Changelog ${from.release.version} to ${to.release.version}`, cancellable: true },
      (progress, token) =>
        changelogMarkdown(from.release, to.release, explorer.services.cache().dir, token, logger, (message, done, total) => progress.report({ message: `${done}/${total} repositories: ${message}` })),
    );
    explorer.changelogs.set(uri, text);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
  } catch (err) {
    if (err instanceof CancelledError) return logger.info(`okd.compareReleases: changelog cancelled`);
    logger.error(`okd.compareReleases: changelog: ${describeError(err)}`);
    void vscode.window.showErrorMessage(`Changelog ${from.release.version} to ${to.release.version}: ${describeError(err)}`);
  }
}

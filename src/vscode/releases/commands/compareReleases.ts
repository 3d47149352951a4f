import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { compareReleaseTags } from '../../../core/release/tags';
import { asNode, releaseArgument } from '../args';
import { releaseDiffUri } from '../documents';
import { releaseNodeOf } from '../nodes';
import { pickRelease } from '../pick';
import type { ReleaseCommand } from './types';

/**
 * okd.compareReleases (release, [other]): `oc adm release info --commits OLD NEW` as a read-only document. With two
 * releases selected in the tree they are compared; otherwise the other one is picked or typed. The older release
 * (by version) is FROM.
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
    return document.uri.toString();
  },
};

import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { compareReleaseTags } from '../../../core/release/tags';
import { asNode } from '../args';
import { manifestUri } from '../documents';
import { releaseNodeOf } from '../nodes';
import { pickRelease } from '../pick';
import type { ReleaseCommand } from './types';

/**
 * okd.compareManifest (manifest node, [other release pullspec]): VS Code's diff editor between this manifest in
 * two releases, the older release on the left.
 */
export const compareManifest: ReleaseCommand = {
  id: 'okd.compareManifest',
  async run(explorer, arg, second) {
    const node = asNode(arg) ?? explorer.view.selection[0];
    if (node?.kind !== 'manifest') throw new OkdError('invalid-input', 'Compare Manifest works on a manifest of the Release Explorer');
    const pullSpec = releaseNodeOf(node)?.pullSpec ?? node.release.pullSpec;
    const file = node.manifest.file;
    const other = typeof second === 'string' ? second : await pickRelease(explorer, { title: `Compare ${file} with the one in...`, exclude: pullSpec });
    if (!other) return undefined;
    const otherRelease = await explorer.loadRelease(other);
    if (!otherRelease.manifests.some((m) => m.file === file)) {
      throw new OkdError('not-found', `release ${otherRelease.version} has no manifest ${file}`, 'compare the whole releases to see which manifests were added or removed');
    }
    const here = { pullSpec, version: node.release.version };
    const there = { pullSpec: other, version: otherRelease.version };
    const [left, right] = compareReleaseTags(here.version, there.version) <= 0 ? [here, there] : [there, here];
    explorer.services.logger.info(`okd.compareManifest: ${file} ${left.pullSpec} ${right.pullSpec}`);
    await vscode.commands.executeCommand(
      'vscode.diff',
      manifestUri(left.pullSpec, left.version, file),
      manifestUri(right.pullSpec, right.version, file),
      `${file} (${left.version} ↔ ${right.version})`,
      { preview: true },
    );
    return { left: left.pullSpec, right: right.pullSpec };
  },
};

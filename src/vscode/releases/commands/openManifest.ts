import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { asNode } from '../args';
import { manifestUri } from '../documents';
import { releaseNodeOf } from '../nodes';
import type { ReleaseCommand } from './types';

/** okd.openManifest (manifest node, or {release, file}): the manifest as a read-only, highlighted document. */
export const openManifest: ReleaseCommand = {
  id: 'okd.openManifest',
  async run(explorer, arg) {
    const node = asNode(arg) ?? explorer.view.selection[0];
    let uri: vscode.Uri;
    if (node?.kind === 'manifest') {
      uri = manifestUri(releaseNodeOf(node)?.pullSpec ?? node.release.pullSpec, node.release.version, node.manifest.file);
    } else if (typeof arg === 'object' && arg !== null && typeof (arg as { release?: unknown }).release === 'string') {
      const { release: pullSpec, file } = arg as { release: string; file?: unknown };
      const release = await explorer.loadRelease(pullSpec);
      if (typeof file !== 'string' || !release.manifests.some((m) => m.file === file)) throw new OkdError('not-found', `release ${release.version} has no manifest ${String(file)}`);
      uri = manifestUri(pullSpec, release.version, file);
    } else {
      throw new OkdError('invalid-input', 'Open Manifest works on a manifest of the Release Explorer');
    }
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
    return document.uri.toString();
  },
};

import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { digestPullspec, parsePullspec } from '../../../core/pullspec';
import { pullFrom } from '../../../core/release/render';
import { asNode } from '../args';
import type { ReleaseExplorer } from '../explorer';
import { copy } from './copyPullspec';
import type { ReleaseCommand } from './types';

/** `registry/repository@digest` of an image pullspec that carries a digest. */
function byDigest(pullSpec: string, what: string): string {
  const ref = parsePullspec(pullSpec);
  if (!ref.digest) throw new OkdError('not-found', `${what} is referenced by tag (${pullSpec}), not by digest`);
  return digestPullspec(ref, ref.digest);
}

/** The digest pullspec of a release pullspec: from the loaded release, else asked from the registry. */
async function releaseByDigest(explorer: ReleaseExplorer, pullSpec: string): Promise<string> {
  const loaded = explorer.services.library.get(pullSpec);
  if (loaded) return pullFrom(loaded);
  const ref = parsePullspec(pullSpec);
  if (ref.digest) return digestPullspec(ref, ref.digest);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Resolving ${pullSpec}`, cancellable: true },
    async (_progress, token) => {
      // The list digest for a multi-arch payload, as oc's "Pull From" shows it.
      const image = await explorer.services.registry().resolveImage(ref.registry, ref.repository, ref.tag ?? 'latest', { platform: explorer.services.platform() }, token);
      return digestPullspec(ref, image.listDigest ?? image.digest);
    },
  );
}

/**
 * okd.copyDigestPullspec: `registry/repository@sha256:...` of a release (its "Pull From"), an image or a container;
 * or of a pullspec string (a tag is resolved with the registry). Returns the copied text.
 */
export const copyDigestPullspec: ReleaseCommand = {
  id: 'okd.copyDigestPullspec',
  async run(explorer, arg) {
    if (typeof arg === 'string') return copy(await releaseByDigest(explorer, arg), 'digest pullspec');
    const node = asNode(arg) ?? explorer.view.selection[0];
    switch (node?.kind) {
      case 'release':
        return copy(await releaseByDigest(explorer, node.pullSpec), 'release digest pullspec');
      case 'image': {
        const c = node.component;
        const text = c.digest ? digestPullspec(parsePullspec(c.pullSpec), c.digest) : byDigest(c.pullSpec, `image ${c.name}`);
        return copy(text, `digest pullspec of ${c.name}`);
      }
      case 'container':
        return copy(byDigest(node.container.image, `container ${node.container.name}`), `digest pullspec of ${node.container.name}`);
      default:
        throw new OkdError('invalid-input', 'Copy Digest Pullspec works on a release, an image or a container of the Release Explorer');
    }
  },
};

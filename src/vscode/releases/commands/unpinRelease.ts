import { OkdError } from '../../../core/errors';
import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** okd.unpinRelease (Pinned release node, or a pullspec): removes it from okd.pinnedReleases. */
export const unpinRelease: ReleaseCommand = {
  id: 'okd.unpinRelease',
  async run(explorer, arg) {
    const node = asNode(arg);
    const pullSpec = node?.kind === 'release' ? node.pullSpec : typeof arg === 'string' ? arg : undefined;
    if (!pullSpec) throw new OkdError('invalid-input', 'Unpin Release needs a pinned release');
    await explorer.unpin(pullSpec);
  },
};

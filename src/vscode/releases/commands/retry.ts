import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** okd.retry (on an error row, or the warning row of a release read offline): reads its source or release again. */
export const retry: ReleaseCommand = {
  id: 'okd.retry',
  run(explorer, arg) {
    const node = asNode(arg);
    explorer.refresh(node?.kind === 'error' || (node?.kind === 'message' && node.warning) ? node.parent : node);
  },
};

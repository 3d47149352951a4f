import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** okd.retry (on an error node): reads the source or release that failed again. */
export const retry: ReleaseCommand = {
  id: 'okd.retry',
  run(explorer, arg) {
    const node = asNode(arg);
    explorer.refresh(node?.kind === 'error' ? node.parent : node);
  },
};

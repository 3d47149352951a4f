import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** okd.refreshNode: reads one source or release again (a release is read anew, in case its tag moved). */
export const refreshNode: ReleaseCommand = {
  id: 'okd.refreshNode',
  run(explorer, arg) {
    const node = asNode(arg) ?? explorer.view.selection[0];
    explorer.refresh(node);
  },
};

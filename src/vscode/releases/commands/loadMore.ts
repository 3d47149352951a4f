import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** okd.loadMore (on the "Load more..." row): shows the next page of tags. */
export const loadMore: ReleaseCommand = {
  id: 'okd.loadMore',
  run(explorer, arg) {
    const node = asNode(arg);
    if (node?.kind !== 'loadMore') return;
    const parent = explorer.model.loadMore(node);
    if (parent) explorer.provider.fire(parent);
  },
};

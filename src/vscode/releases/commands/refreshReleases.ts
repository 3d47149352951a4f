import type { ReleaseCommand } from './types';

/** okd.refreshReleases: reads every source again (debounced; waits while the view is hidden). */
export const refreshReleases: ReleaseCommand = {
  id: 'okd.refreshReleases',
  run(explorer) {
    explorer.refresh(undefined);
  },
};

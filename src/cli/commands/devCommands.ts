// The `dev` commands and `release build` (the builds: bundle entry of dist/cli-dev.js).
import { devLoop } from './devLoop';
import { devWhich } from './devWhich';
import { releaseBuild } from './releaseBuild';

export const devCommands: Record<string, (argv: string[]) => Promise<void>> = {
  loop: devLoop,
  which: devWhich,
  'release-build': releaseBuild,
};

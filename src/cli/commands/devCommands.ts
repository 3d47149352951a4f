// The `dev` commands (bundle entry of dist/cli-dev.js).
import { devLoop } from './devLoop';
import { devWhich } from './devWhich';

export const devCommands: Record<string, (argv: string[]) => Promise<void>> = {
  loop: devLoop,
  which: devWhich,
};

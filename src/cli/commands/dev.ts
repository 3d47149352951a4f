// `okd-dev dev ...`: the inner loop. The commands talk to clusters, so they load @kubernetes/client-node: like the
// cluster commands they are a bundle of their own (dist/cli-dev.js), required only when a `dev` command runs.
import * as path from 'node:path';
import { OkdError } from '../../core/errors';

type Command = (argv: string[]) => Promise<void>;

export function devCommand(verb: string): Command {
  return async (argv) => {
    const id = path.basename(__filename) === 'cli.js' ? './cli-dev.js' : './devCommands';
    let loaded: typeof import('./devCommands');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path, so esbuild leaves it alone
      loaded = require(id) as typeof import('./devCommands');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
      throw new OkdError('not-found', `this build of okd-dev has no dev commands (${id} is missing)`, 'rebuild with npm run build');
    }
    await (loaded.devCommands[verb] as Command)(argv);
  };
}

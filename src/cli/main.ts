import { describeError, OkdError } from '../core/errors';
import { releaseDiff } from './commands/releaseDiff';
import { releaseInfo } from './commands/releaseInfo';
import { mainUsage, UsageError } from './usage';

type Command = (argv: string[]) => Promise<void>;

const commands: Record<string, Record<string, Command>> = {
  release: { info: releaseInfo, diff: releaseDiff },
};

async function main(argv: string[]): Promise<number> {
  const [group, verb, ...rest] = argv;
  if (group === undefined || group === '-h' || group === '--help' || group === 'help') {
    process.stdout.write(`${mainUsage}\n`);
    return group === undefined ? 2 : 0;
  }
  const command = commands[group]?.[verb ?? ''];
  try {
    if (!command) throw new UsageError(verb ? `unknown command '${group} ${verb}'` : `'${group}' needs a command`, mainUsage);
    await command(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`okd-dev: ${err.message}\n${err.usage ? `\n${err.usage}\n` : ''}`);
      return 2;
    }
    if (err instanceof OkdError) {
      process.stderr.write(`error: ${err.describe().replace(/\s*\n\s*/g, ' ')}\n`);
      return 1;
    }
    process.stderr.write(`error: ${describeError(err)}\n`);
    if (process.env.OKD_DEV_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);

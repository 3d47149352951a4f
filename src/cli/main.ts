import { describeError, isOkdError } from '../core/errors';
import { redact } from '../core/log';
import { releaseDiff } from './commands/releaseDiff';
import { releaseInfo } from './commands/releaseInfo';
import { releaseExtract } from './commands/releaseExtract';
import { releaseNew } from './commands/releaseNew';
import { releaseResults } from './commands/releaseResults';
import { releaseUpgrades } from './commands/releaseUpgrades';
import { devCommand } from './commands/dev';
import { clusterBundle } from './clusterBundle';
import { mainUsage, UsageError } from './usage';

type Command = (argv: string[]) => Promise<void>;

function clusterCommand(verb: string): Command {
  return async (argv) => {
    await (clusterBundle().clusterCommands[verb] as Command)(argv);
  };
}

const commands: Record<string, Record<string, Command>> = {
  release: { info: releaseInfo, diff: releaseDiff, new: releaseNew, extract: releaseExtract, build: devCommand('release-build') },
  cluster: Object.fromEntries(['status', 'override', 'patch', 'restore', 'upgrade', 'can-pull', 'apply-manifests', 'restore-manifests'].map((verb) => [verb, clusterCommand(verb)])),
  dev: { loop: devCommand('loop'), which: devCommand('which') },
};

// Release controller results: `release info --results` asks the controller instead of the registry, and
// `release upgrades` asks a channel's graph (releaseResults.ts, releaseUpgrades.ts).
const releaseCommands = commands.release as Record<string, Command>;
const registryInfo = releaseCommands.info as Command;
releaseCommands.info = (argv) => (argv.includes('--results') ? releaseResults(argv) : registryInfo(argv));
releaseCommands.upgrades = releaseUpgrades;

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
    // By name as well: errors thrown in dist/cli-cluster.js are instances of that bundle's copies of the classes.
    if (err instanceof UsageError || (err as Error)?.name === 'UsageError') {
      const usage = (err as UsageError).usage;
      process.stderr.write(`okd-dev: ${(err as Error).message}\n${usage ? `\n${usage}\n` : ''}`);
      return 2;
    }
    if (isOkdError(err)) {
      process.stderr.write(`error: ${redact(err.describe()).replace(/\s*\n\s*/g, ' ')}\n`);
      // An error may carry its own exit code (130: interrupted by Ctrl-C).
      const code = (err as { exitCode?: unknown }).exitCode;
      return typeof code === 'number' ? code : 1;
    }
    // Ctrl+C that a command turned into a cancel: the shell's exit code for SIGINT.
    if ((err as Error)?.name === 'CancelledError') {
      process.stderr.write(`okd-dev: ${redact((err as Error).message)}\n`);
      return 130;
    }
    process.stderr.write(`error: ${redact(describeError(err))}\n`);
    if (process.env.OKD_DEV_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${redact(describeError(err))}\n`);
    process.exitCode = 1;
  },
);

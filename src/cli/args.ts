import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage';

type Options = NonNullable<ParseArgsConfig['options']>;

export const registryOptions = {
  'registry-config': { type: 'string', short: 'a' },
  insecure: { type: 'boolean' },
  'ca-file': { type: 'string' },
  'filter-by-os': { type: 'string' },
  'registries-conf': { type: 'string' },
  'idms-file': { type: 'string' },
  'icsp-file': { type: 'string' },
} as const satisfies Options;

export const commonOptions = {
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** node's parseArgs, with its errors turned into usage errors that name the command. */
export function parseCommandArgs<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), usage);
  }
}

export function outputFormat(value: string | undefined, usage: string): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`unknown output format '${value}': use -o json`, usage);
}

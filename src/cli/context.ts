import { OkdError } from '../core/errors';
import { type Logger, redact, silentLogger } from '../core/log';
import { RegistryClient } from '../core/registry/client';
import { parsePlatform, type Platform } from '../core/registry/types';
import { defaultCacheDir, ReleaseCache } from '../core/release/cache';

export interface RegistryFlags {
  'registry-config'?: string;
  insecure?: boolean;
  'ca-file'?: string;
  'filter-by-os'?: string;
  'registries-conf'?: string;
  'idms-file'?: string;
  'icsp-file'?: string;
  verbose?: boolean;
}

export interface CliContext {
  registry: RegistryClient;
  cache: ReleaseCache;
  platform?: Platform;
  logger: Logger;
  /** Progress lines go to stderr only when it is a terminal. */
  progress(message: string): void;
}

export function stderrLogger(verbose: boolean): Logger {
  if (!verbose) return silentLogger;
  const write = (level: string) => (message: string) => process.stderr.write(`${level} ${redact(message)}\n`);
  return { trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export function createContext(flags: RegistryFlags): CliContext {
  const logger = stderrLogger(flags.verbose ?? false);
  const tty = process.stderr.isTTY === true;
  let platform: Platform | undefined;
  if (flags['filter-by-os'] !== undefined) {
    try {
      platform = parsePlatform(flags['filter-by-os']);
    } catch (err) {
      throw err instanceof OkdError ? err : new OkdError('invalid-input', `--filter-by-os: ${(err as Error).message}`);
    }
  }
  return {
    registry: new RegistryClient({
      authFile: flags['registry-config'],
      insecure: flags.insecure ?? false,
      caFile: flags['ca-file'],
      ...(flags['registries-conf'] ? { registriesConf: { file: flags['registries-conf'] } } : {}),
      ...(flags['idms-file'] ? { idmsFiles: [flags['idms-file']] } : {}),
      ...(flags['icsp-file'] ? { icspFiles: [flags['icsp-file']] } : {}),
      logger,
    }),
    cache: new ReleaseCache(defaultCacheDir()),
    platform,
    logger,
    progress: (message) => {
      if (tty) process.stderr.write(`\r\x1b[2K${message}`);
    },
  };
}

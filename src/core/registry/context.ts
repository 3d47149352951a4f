import type { Logger } from '../log';
import type { Authenticator } from './auth';
import type { Transport } from './transport';

/** What the registry operations share: one transport (agents, counters) and one authenticator (token cache). */
export interface RegistryContext {
  transport: Transport;
  auth: Authenticator;
  logger: Logger;
}

export function repositoryPath(repository: string): string {
  return `/v2/${repository}`;
}

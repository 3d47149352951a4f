import type { ReleaseExplorer } from '../explorer';

/** A Release Explorer command: registered by index.ts with the shared error reporting of registerCommand. */
export interface ReleaseCommand {
  id: string;
  run(explorer: ReleaseExplorer, ...args: unknown[]): unknown;
}

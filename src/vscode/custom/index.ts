import type * as vscode from 'vscode';
import { registerCommand } from '../command';
import type { ReleaseCommand } from '../releases/commands/types';
import { ReleaseExplorer } from '../releases/explorer';
import type { Services } from '../services';
import { compareWithSource } from './compareWithSource';
import { createCustomRelease } from './createCustomRelease';
import { SourceComparisonDocuments } from './documents';
import { extractInstaller } from './extractInstaller';

const commands: ReleaseCommand[] = [createCustomRelease, compareWithSource, extractInstaller];

/**
 * Custom release payloads from the Release Explorer: Create Custom Release..., Compare with Source Release, Extract
 * Installer... They work on the explorer's releases (selection, picker, pin, reveal), found among the disposables
 * registerReleases returned. okd.upgradeCluster is the cluster bundle's (see upgradePlan.ts).
 */
export function registerCustomRelease(services: Services, releases: readonly vscode.Disposable[]): vscode.Disposable[] {
  const explorer = releases.find((d): d is ReleaseExplorer => d instanceof ReleaseExplorer);
  if (!explorer) throw new Error('registerCustomRelease needs the Release Explorer from registerReleases');
  return [
    new SourceComparisonDocuments(services.library).register(),
    ...commands.map((command) => registerCommand(services, command.id, (...args: unknown[]) => command.run(explorer, ...args))),
  ];
}

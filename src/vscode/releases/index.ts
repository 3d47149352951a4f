import type * as vscode from 'vscode';
import type { Services } from '../services';

/** The Release Explorer (okd.releases) and its commands. */
export function registerReleases(_services: Services): vscode.Disposable[] {
  return [];
}

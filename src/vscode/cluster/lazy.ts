import type * as vscode from 'vscode';
import type { Services } from '../services';

/** The Cluster view and cluster commands; the real code lives in dist/cluster.js and is loaded on first use. */
export function registerCluster(_services: Services): vscode.Disposable[] {
  return [];
}

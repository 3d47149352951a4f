import type * as vscode from 'vscode';
import type { Services } from '../services';

/** Hovers on image pullspecs in any file. */
export function registerHover(_services: Services): vscode.Disposable[] {
  return [];
}

import vscode = require('vscode');
import { TagResolver } from '../../core/hover/tags';
import { formatPullspec } from '../../core/pullspec';
import type { Services } from '../services';
import { PullspecHoverProvider } from './provider';

/** Every file on disk, unsaved editors, and the extension's own read-only documents (manifests, release info). */
export const HOVER_SELECTOR: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'okd-manifest' }, { scheme: 'okd-release' }];

/** Hovers on image pullspecs in any file. */
export function registerHover(services: Services): vscode.Disposable[] {
  const tags = new TagResolver({
    resolve: async (pullspec, token) => {
      const started = Date.now();
      const reference = pullspec.tag ?? 'latest';
      // A HEAD: hovers must not spend a registry's pull quota (Docker Hub counts manifest GETs, not HEADs).
      const head = await services.registry().headManifest(pullspec.registry, pullspec.repository, reference, token);
      services.logger.info(`hover: ${formatPullspec(pullspec)} -> ${head.digest} by ${head.via} (${Date.now() - started} ms)`);
      return head.digest;
    },
  });
  return [
    vscode.languages.registerHoverProvider(HOVER_SELECTOR, new PullspecHoverProvider(services, tags)),
    // Credentials, insecure hosts or the CA may have changed: a tag may now resolve differently.
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('okd')) tags.clear();
    }),
  ];
}

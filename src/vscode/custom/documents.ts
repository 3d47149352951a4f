import vscode = require('vscode');
import { OkdError } from '../../core/errors';
import { diffReleases } from '../../core/release/diff';
import type { ReleaseLibrary } from '../../core/release/library';
import { renderReleaseDiff } from '../../core/release/render';
import { renderSourceComparison, sourceReleaseOf } from './plan';

/** Read-only "custom release vs its source" documents: `okd-custom:/<version> vs source?release=<pullspec>`. */
export const CUSTOM_SCHEME = 'okd-custom';

export function sourceComparisonUri(pullSpec: string, version: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CUSTOM_SCHEME, path: `/${version.replace(/[/\\?#]/g, '_') || 'release'} vs source`, query: new URLSearchParams({ release: pullSpec }).toString() });
}

/**
 * The replaced images (each with its override mark) above `release info SOURCE CUSTOM --commits`. Releases come
 * from the shared library (read again from the disk cache after a reload).
 */
export class SourceComparisonDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly library: ReleaseLibrary) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const pullSpec = new URLSearchParams(uri.query).get('release');
    if (!pullSpec) throw new OkdError('invalid-input', `${uri.toString()} names no release`);
    const custom = this.library.get(pullSpec) ?? (await this.library.load(pullSpec, token));
    const sourceSpec = sourceReleaseOf(custom);
    if (!sourceSpec) return `${custom.version} (${pullSpec}) names no source release: its image-references carries no release.openshift.io/from-release annotation.\n`;
    const source = this.library.get(sourceSpec) ?? (await this.library.load(sourceSpec, token));
    const diff = diffReleases(source, custom);
    return renderSourceComparison(sourceSpec, pullSpec, diff, renderReleaseDiff(source, custom, diff, { commits: true }));
  }

  register(): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(CUSTOM_SCHEME, this);
  }
}

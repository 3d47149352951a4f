import vscode = require('vscode');
import { OkdError } from '../../core/errors';
import { diffReleases } from '../../core/release/diff';
import type { ReleaseLibrary } from '../../core/release/library';
import { renderReleaseDiff, renderReleaseInfo } from '../../core/release/render';

/** Read-only documents of a release's manifests: `okd-manifest:/<version>/<file>?release=<pullspec>`. */
export const MANIFEST_SCHEME = 'okd-manifest';
/** Read-only `release info` and `release diff` texts: `okd-release:/<title>?release=...` or `?from=...&to=...`. */
export const RELEASE_SCHEME = 'okd-release';

/** The file name stays last in the path so the tab title is the manifest's name and the language is by extension. */
export function manifestUri(pullSpec: string, version: string, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: MANIFEST_SCHEME, path: `/${safeSegment(version)}/${file}`, query: new URLSearchParams({ release: pullSpec }).toString() });
}

export function releaseInfoUri(pullSpec: string, version: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RELEASE_SCHEME, path: `/${safeSegment(version)} release info`, query: new URLSearchParams({ release: pullSpec }).toString() });
}

export function releaseDiffUri(from: string, fromVersion: string, to: string, toVersion: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: RELEASE_SCHEME,
    path: `/${safeSegment(fromVersion)} to ${safeSegment(toVersion)}`,
    query: new URLSearchParams({ from, to }).toString(),
  });
}

function safeSegment(text: string): string {
  return text.replace(/[/\\?#]/g, '_') || 'release';
}

/**
 * Serves both schemes from the shared library. A document restored after a reload names a release that is not
 * loaded yet: it is read again (from the disk cache when its digest was read before).
 */
export class ReleaseDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly library: ReleaseLibrary) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const query = new URLSearchParams(uri.query);
    if (uri.scheme === MANIFEST_SCHEME) {
      const pullSpec = required(query, 'release', uri);
      const release = this.library.get(pullSpec) ?? (await this.library.load(pullSpec, token));
      const file = uri.path.split('/').slice(2).join('/');
      return this.library.manifestContent(release, file, token);
    }
    const single = query.get('release');
    if (single) {
      const release = this.library.get(single) ?? (await this.library.load(single, token));
      return renderReleaseInfo(release, { view: 'commits' });
    }
    const fromSpec = required(query, 'from', uri);
    const toSpec = required(query, 'to', uri);
    const from = this.library.get(fromSpec) ?? (await this.library.load(fromSpec, token));
    const to = this.library.get(toSpec) ?? (await this.library.load(toSpec, token));
    return renderReleaseDiff(from, to, diffReleases(from, to), { commits: true });
  }

  register(): vscode.Disposable[] {
    return [
      vscode.workspace.registerTextDocumentContentProvider(MANIFEST_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(RELEASE_SCHEME, this),
    ];
  }
}

function required(query: URLSearchParams, key: string, uri: vscode.Uri): string {
  const value = query.get(key);
  if (!value) throw new OkdError('invalid-input', `${uri.toString()} names no ${key}`);
  return value;
}

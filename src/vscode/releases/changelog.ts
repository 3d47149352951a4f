import vscode = require('vscode');
import type { CancellationTokenLike } from '../../core/cancel';
import { readChangelog } from '../../core/changelog/changelog';
import { renderChangelogMarkdown } from '../../core/changelog/render';
import type { Logger } from '../../core/log';
import { diffReleases } from '../../core/release/diff';
import type { ReleaseLibrary } from '../../core/release/library';
import type { Release } from '../../core/release/model';

/** Read-only markdown changelogs of two releases: `okd-changelog:/<from> to <to> changelog.md?from=...&to=...`. */
export const CHANGELOG_SCHEME = 'okd-changelog';

export function changelogUri(from: string, fromVersion: string, to: string, toVersion: string): vscode.Uri {
  const safe = (text: string) => text.replace(/[/\\?#]/g, '_') || 'release';
  return vscode.Uri.from({ scheme: CHANGELOG_SCHEME, path: `/${safe(fromVersion)} to ${safe(toVersion)} changelog.md`, query: new URLSearchParams({ from, to }).toString() });
}

/** The markdown of `release diff --changelog -o markdown`, from the shared clones under the cache dir. */
export async function changelogMarkdown(from: Release, to: Release, cacheDir: string, token: CancellationTokenLike, logger: Logger, onProgress?: (message: string, done: number, total: number) => void): Promise<string> {
  const diff = diffReleases(from, to);
  const changelog = await readChangelog(diff, { cacheDir, token, logger, ...(onProgress ? { onProgress } : {}) });
  return renderChangelogMarkdown(from, to, diff, changelog);
}

/**
 * Serves changelog documents. Compare reads a changelog with a progress notification and hands its text over here;
 * a document restored after a reload is read again (its clones are cached, so without a network round trip unless
 * a commit is missing).
 */
export class ChangelogDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly library: ReleaseLibrary,
    private readonly cacheDir: () => string,
    private readonly logger: Logger,
  ) {}

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const known = this.texts.get(uri.toString());
    if (known !== undefined) return known;
    const query = new URLSearchParams(uri.query);
    const [fromSpec, toSpec] = [query.get('from') ?? '', query.get('to') ?? ''];
    const from = this.library.get(fromSpec) ?? (await this.library.load(fromSpec, token));
    const to = this.library.get(toSpec) ?? (await this.library.load(toSpec, token));
    const text = await changelogMarkdown(from, to, this.cacheDir(), token, this.logger);
    this.texts.set(uri.toString(), text);
    return text;
  }

  register(): vscode.Disposable[] {
    return [vscode.workspace.registerTextDocumentContentProvider(CHANGELOG_SCHEME, this)];
  }
}

import vscode = require('vscode');
import { describeError } from '../../core/errors';
import { detectPullspec, type DetectedPullspec } from '../../core/hover/detect';
import { effectiveDigest, HOVER_COMMANDS, hoverMarkdown, type TagResolution } from '../../core/hover/content';
import { lookupPullspec } from '../../core/hover/lookup';
import type { TagResolver } from '../../core/hover/tags';
import type { Services } from '../services';

export interface PullspecHoverOptions {
  /** How long the first hover waits for the payload cache scan before answering with what is known. */
  scanWaitMs?: number;
  /** How long a hover waits for the registry to resolve a tag. */
  tagWaitMs?: number;
}

interface HoverSettings {
  enabled: boolean;
  resolveTags: boolean;
}

function hoverSettings(): HoverSettings {
  const c = vscode.workspace.getConfiguration('okd.hover');
  return { enabled: c.get<boolean>('enabled') ?? true, resolveTags: c.get<boolean>('resolveTags') ?? true };
}

/**
 * Explains the image pullspec under the pointer from the in-memory release index. Never blocks typing: detection and
 * lookup are synchronous and cheap; the payload cache is scanned in the background on the first hover; a tag is
 * resolved over the network only when allowed, with the answer cached and the wait bounded.
 */
export class PullspecHoverProvider implements vscode.HoverProvider {
  private scan: Promise<void> | undefined;
  private scanned = false;

  constructor(
    private readonly services: Services,
    private readonly tags: TagResolver,
    private readonly options: PullspecHoverOptions = {},
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): vscode.ProviderResult<vscode.Hover> {
    const settings = hoverSettings();
    if (!settings.enabled || position.line >= document.lineCount) return undefined;
    const detected = detectPullspec(document.lineAt(position.line).text, position.character);
    if (!detected) return undefined;
    return this.describe(detected, settings, position.line, token);
  }

  private async describe(detected: DetectedPullspec, settings: HoverSettings, line: number, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const { pullspec } = detected;
    const scan = this.startScan();
    let tag: Promise<TagResolution> | undefined;
    if (!pullspec.digest) tag = settings.resolveTags ? this.tags.resolve(pullspec, this.options.tagWaitMs ?? 1500, token) : Promise.resolve({ state: 'off' });
    const [, resolution] = await Promise.all([this.scanned ? undefined : within(scan, this.options.scanWaitMs ?? 400, token), tag]);
    if (token.isCancellationRequested) return undefined;

    const found = lookupPullspec(this.services.library, pullspec, effectiveDigest({ pullspec, ...(resolution ? { tag: resolution } : {}) }));
    const markdown = new vscode.MarkdownString(
      hoverMarkdown({ pullspec, text: detected.text, ...(resolution ? { tag: resolution } : {}), found, scanning: !this.scanned }),
    );
    markdown.isTrusted = { enabledCommands: [HOVER_COMMANDS.copyDigestPullspec, HOVER_COMMANDS.revealInExplorer] };
    return new vscode.Hover(markdown, new vscode.Range(line, detected.start, line, detected.end));
  }

  /** Adds the payload cache to the index once, in the background (never in activate()). */
  private startScan(): Promise<void> {
    this.scan ??= this.services.library.scanCache().then(
      () => {
        this.scanned = true;
      },
      (err: unknown) => {
        this.scanned = true;
        this.services.logger.warn(`hover: could not read the payload cache: ${describeError(err)}`);
      },
    );
    return this.scan;
  }
}

/** Resolves when `promise` does, after `ms`, or when the hover is cancelled, whichever comes first. */
function within(promise: Promise<unknown>, ms: number, token: vscode.CancellationToken): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const subscription = token.onCancellationRequested(done);
    void promise.then(done, done);
    function done(): void {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    }
  });
}

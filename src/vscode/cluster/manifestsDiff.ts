// The checkout's manifests against the cluster, before anything is applied: per changed object, VS Code's diff
// editor between the cluster's object and what applying the checkout's manifest makes of it (read-only virtual
// documents), a quick pick to choose the object when several changed, then a modal question. Used by Apply
// Checkout Manifests and by Build, Push & Patch.
import vscode = require('vscode');
import type { Logger } from '../../core/log';
import type { ManifestsDiff, ObjectDiff } from '../../core/manifests/diff';
import { formatRef } from '../../core/manifests/objects';
import { objectViews } from '../../core/manifests/view';

export const MANIFESTS_DIFF_SCHEME = 'okd-manifests-diff';
const KEPT = 64;

/** The two sides of every difference shown, by URI (the newest KEPT), served read-only. */
class ManifestDiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# This difference is no longer kept: run the command again.\n';
  }

  private put(side: string, o: ObjectDiff, id: number, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: MANIFESTS_DIFF_SCHEME, path: `/${id}/${side}/${formatRef(o.ref).replace(/[\\?#]/g, '_')}.yaml` });
    this.texts.set(uri.toString(), text);
    while (this.texts.size > KEPT) this.texts.delete(this.texts.keys().next().value as string);
    return uri;
  }

  /** Opens the diff editor: the cluster's object (left) and the checkout's (right). */
  async show(o: ObjectDiff): Promise<void> {
    const views = objectViews(o);
    const id = ++this.next;
    const left = this.put('cluster', o, id, views.cluster || `# ${formatRef(o.ref)} is not in the cluster: applying creates it.\n`);
    const right = this.put('checkout', o, id, views.checkout);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${formatRef(o.ref)}: cluster ↔ checkout manifests/${o.source}`, { preview: true });
  }

  register(): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(MANIFESTS_DIFF_SCHEME, this);
  }
}

export const manifestDiffDocuments = new ManifestDiffDocuments();

export function pendingObjects(d: ManifestsDiff): ObjectDiff[] {
  return d.objects.filter((o) => o.state === 'new' || o.state === 'changed');
}

function describeObject(o: ObjectDiff): string {
  const fields = o.changes.map((c) => c.path);
  return `${o.state === 'new' ? '+ new' : '~ changed'} ${formatRef(o.ref)}${fields.length ? ` (${fields.slice(0, 3).join(', ')}${fields.length > 3 ? ', …' : ''})` : ''}`;
}

export interface ReviewOptions {
  /** The cluster's context, for the question. */
  context: string;
  /** The button that applies (e.g. "Apply", "Apply and Patch"). */
  applyLabel: string;
  /** A button that goes on without applying (Build, Push & Patch: "Patch Image Only"). */
  skipLabel?: string;
  logger: Logger;
}

export type ReviewAnswer = 'apply' | 'skip' | 'cancel';

/**
 * Shows the difference of each changed object (a quick pick first when several changed) and asks, modal, whether
 * to apply them; "Show Another Difference…" goes back to the pick. Escape anywhere is 'cancel'.
 */
export async function reviewManifests(d: ManifestsDiff, options: ReviewOptions): Promise<ReviewAnswer> {
  const pending = pendingObjects(d);
  if (!pending.length) return 'apply';
  const another = 'Show Another Difference…';
  let shown: ObjectDiff | undefined = pending.length === 1 ? pending[0] : undefined;
  for (;;) {
    if (!shown) {
      const picked = await vscode.window.showQuickPick(
        pending.map((o) => ({ label: formatRef(o.ref), description: `${o.state} · manifests/${o.source}`, detail: o.changes.map((c) => c.path).join(', ') || o.reason || 'not in the cluster', object: o })),
        { title: `${d.component}: ${pending.length} objects of manifests/ differ from the cluster`, placeHolder: 'The object whose difference to show', ignoreFocusOut: true },
      );
      if (!picked) return 'cancel';
      shown = picked.object;
    }
    options.logger.info(`manifests: showing the difference of ${formatRef(shown.ref)} (${shown.state})`);
    await manifestDiffDocuments.show(shown);
    const buttons = [options.applyLabel, ...(pending.length > 1 ? [another] : []), ...(options.skipLabel ? [options.skipLabel] : [])];
    const detail = [
      ...pending.map(describeObject),
      '',
      `Rendered for ${d.version}. Each object gets its own ClusterVersion override; Restore puts the payload's objects back.`,
    ].join('\n');
    const choice = await vscode.window.showWarningMessage(
      `Apply ${pending.length === 1 ? '1 object' : `${pending.length} objects`} of ${d.component}'s manifests/ to cluster ${options.context}?`,
      { modal: true, detail },
      ...buttons,
    );
    if (choice === options.applyLabel) return 'apply';
    if (choice !== undefined && choice === options.skipLabel) return 'skip';
    if (choice !== another) return 'cancel';
    shown = undefined;
  }
}

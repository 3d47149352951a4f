import { parsePullspec } from '../../../core/pullspec';
import { type PinnedNode, PINNED_ID, type ReleaseNode, type ReleaseTreeNode } from '../nodes';
import type { ReleaseTreeDeps } from './deps';
import type { NodeStore } from './store';

/**
 * The Pinned source: the releases pinned in the settings, plus those pinned in this session that the settings do
 * not show yet (the update is asynchronous).
 */
export class PinnedReleases {
  private readonly pending = new Set<string>();

  constructor(
    private readonly store: NodeStore,
    private readonly deps: ReleaseTreeDeps,
  ) {}

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  addPending(pullSpec: string): void {
    this.pending.add(pullSpec);
  }

  removePending(pullSpec: string): void {
    this.pending.delete(pullSpec);
  }

  /** Drops the pending pins that the settings now show. */
  settle(): void {
    const pinned = new Set(this.deps.sources().pinned);
    for (const p of this.pending) if (pinned.has(p)) this.pending.delete(p);
  }

  root(): PinnedNode {
    return this.store.node<PinnedNode>({ kind: 'pinned', id: PINNED_ID, parent: undefined });
  }

  releaseNode(pullSpec: string): ReleaseNode {
    return this.store.node<ReleaseNode>({ kind: 'release', id: `${PINNED_ID}|${pullSpec}`, parent: this.root(), pullSpec, label: releaseLabel(pullSpec), pinned: true });
  }

  children(node: PinnedNode): ReleaseTreeNode[] {
    const pinned = [...new Set([...this.deps.sources().pinned, ...this.pending])];
    if (pinned.length === 0) return [this.store.message(node, 'No pinned releases: Add Release by Pullspec...', 'okd.addRelease')];
    // Pinned releases are the ones the user opens: start reading them (a few at a time, from the cache when it
    // has them) as soon as their rows are shown, so expanding one does not wait. A failure shows when expanded.
    void this.prefetch(pinned);
    return pinned.map((p) => this.releaseNode(p));
  }

  private async prefetch(pullSpecs: string[]): Promise<void> {
    for (let i = 0; i < pullSpecs.length; i += 3) {
      await Promise.all(pullSpecs.slice(i, i + 3).map((p) => (this.deps.library.get(p) ? undefined : this.deps.library.load(p, undefined, { allowOffline: true }).catch(() => undefined))));
    }
  }
}

/** What a pinned release is called in the tree: its tag, else a short digest. */
export function releaseLabel(pullSpec: string): string {
  try {
    const ref = parsePullspec(pullSpec);
    if (ref.tag) return ref.tag;
    if (ref.digest) return `@${ref.digest.slice(0, 19)}`;
    return 'latest';
  } catch {
    return pullSpec;
  }
}

import { isWithin, type ReleaseTreeNode } from './nodes';

/**
 * Debounced, per-node refreshes that run only while the view is visible: requests for the same node (or one inside
 * a node already asked for) collapse into one, and requests made while the view is hidden wait until it is shown,
 * so a hidden view never talks to a registry or release controller.
 */
export class RefreshScheduler {
  private readonly pending = new Map<string, ReleaseTreeNode | undefined>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly isVisible: () => boolean,
    private readonly apply: (nodes: (ReleaseTreeNode | undefined)[]) => void,
    private readonly delayMs = 250,
  ) {}

  /** Refresh `node` (everything when undefined) after the debounce delay. */
  request(node: ReleaseTreeNode | undefined): void {
    this.pending.set(node?.id ?? '', node);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  /** Runs what is pending now, if the view is visible; otherwise it waits for `viewBecameVisible`. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 || !this.isVisible()) return;
    const nodes = [...this.pending.values()];
    this.pending.clear();
    if (nodes.includes(undefined)) {
      this.apply([undefined]);
      return;
    }
    const outermost = (nodes as ReleaseTreeNode[]).filter((n) => !nodes.some((m) => m && m !== n && isWithin(n.id, m.id)));
    this.apply(outermost);
  }

  viewBecameVisible(): void {
    if (this.pending.size > 0 && !this.timer) this.flush();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.pending.clear();
  }
}

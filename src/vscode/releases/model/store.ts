import { type CancellationTokenLike, CancelledError, fromAbortSignal } from '../../../core/cancel';
import { describeError } from '../../../core/errors';
import { isWithin, type LoadMoreNode, type ReleaseNode, type ReleaseTreeNode } from '../nodes';
import type { ReleaseTreeDeps } from './deps';

/** Tags shown per page of a repository or stream; "Load more" shows the next page. */
export const PAGE_SIZE = 50;

interface Paged {
  items: ReleaseNode[];
  shown: number;
}

type Entry = { state: 'loading'; promise: Promise<ReleaseTreeNode[]>; abort: AbortController } | { state: 'done'; children: ReleaseTreeNode[] };

/**
 * What the model has read and shown: the children read per node until that node is forgotten, paged lists, and
 * the node objects by id, kept stable while their data is unchanged (the tree view identifies rendered elements by
 * object).
 */
export class NodeStore {
  private readonly entries = new Map<string, Entry>();
  private readonly paged = new Map<string, Paged>();
  private readonly known = new Map<string, ReleaseTreeNode>();

  constructor(private readonly deps: Pick<ReleaseTreeDeps, 'logger' | 'withProgress'>) {}

  /** The node with this id, as last handed to the view. */
  get(id: string): ReleaseTreeNode | undefined {
    return this.known.get(id);
  }

  /** Every node handed to the view and not forgotten since. */
  nodes(): IterableIterator<ReleaseTreeNode> {
    return this.known.values();
  }

  /** Records `node` as the one with its id. */
  remember(node: ReleaseTreeNode): void {
    this.known.set(node.id, node);
  }

  /**
   * Returns the existing node object when one with this id and the same data exists, so a re-listing does not
   * replace every rendered element; otherwise records the new one.
   */
  node<T extends ReleaseTreeNode>(fresh: T): T {
    const old = this.known.get(fresh.id);
    if (old && sameNode(old, fresh)) return old as T;
    this.known.set(fresh.id, fresh);
    return fresh;
  }

  /** An informational row under `parent`; `command` runs when it is clicked. */
  message(parent: ReleaseTreeNode, message: string, command?: string): ReleaseTreeNode {
    return this.node({ kind: 'message', id: `${parent.id}/message`, parent, message, ...(command ? { command } : {}) });
  }

  /** Children read once and kept until invalidated; a failure becomes one error node with the reason. */
  cached(node: ReleaseTreeNode, title: string, read: (token: CancellationTokenLike) => Promise<ReleaseTreeNode[]>): Promise<ReleaseTreeNode[]> {
    const entry = this.entries.get(node.id);
    if (entry) return entry.state === 'done' ? Promise.resolve(entry.children) : entry.promise;
    const abort = new AbortController();
    const token = fromAbortSignal(abort.signal);
    const promise: Promise<ReleaseTreeNode[]> = this.deps
      .withProgress(title, () => read(token))
      .catch((err: unknown): ReleaseTreeNode[] => {
        // Refreshed meanwhile: the refresh renders the node again, this answer is dropped.
        if (abort.signal.aborted) return [];
        this.deps.logger.warn(`releases: ${title}: ${describeError(err)}`);
        // A read shared with a command that was cancelled: say so, Retry reads again.
        const message = err instanceof CancelledError ? `${title} was cancelled` : describeError(err);
        return [this.node({ kind: 'error', id: `${node.id}/error`, parent: node, message, error: err })];
      })
      .then((children) => {
        if (this.entries.get(node.id)?.state === 'loading' && !abort.signal.aborted) this.entries.set(node.id, { state: 'done', children });
        return children;
      });
    this.entries.set(node.id, { state: 'loading', promise, abort });
    return promise;
  }

  /** Like `cached`, for a long list shown a page at a time; `empty` is the row shown when the list is empty. */
  pagedChildren(node: ReleaseTreeNode, title: string, empty: string, list: (token: CancellationTokenLike) => Promise<ReleaseNode[]>): Promise<ReleaseTreeNode[]> {
    return this.cached(node, title, async (token) => {
      const items = await list(token);
      if (items.length === 0) return [this.message(node, empty)];
      const page: Paged = { items, shown: Math.min(items.length, PAGE_SIZE) };
      this.paged.set(node.id, page);
      return this.page(node, page);
    });
  }

  /** Shows the next page of a paged list; returns the node whose children changed. */
  loadMore(node: LoadMoreNode): ReleaseTreeNode | undefined {
    const parent = node.parent;
    if (!parent) return undefined;
    const page = this.paged.get(parent.id);
    if (!page) return undefined;
    page.shown = Math.min(page.items.length, page.shown + PAGE_SIZE);
    this.entries.set(parent.id, { state: 'done', children: this.page(parent, page) });
    return parent;
  }

  /** Forgets what was read for the node `id` and below, aborting reads under way; `keepSelf` keeps the node itself. */
  forgetSubtree(id: string, keepSelf = false): void {
    for (const [key, entry] of this.entries) {
      if (!isWithin(key, id)) continue;
      if (entry.state === 'loading') entry.abort.abort();
      this.entries.delete(key);
    }
    for (const key of this.paged.keys()) if (isWithin(key, id)) this.paged.delete(key);
    for (const key of this.known.keys()) if (isWithin(key, id) && !(keepSelf && key === id)) this.known.delete(key);
  }

  /** Forgets everything, aborting reads under way. */
  clear(): void {
    this.dispose();
    this.paged.clear();
    this.known.clear();
  }

  dispose(): void {
    for (const entry of this.entries.values()) if (entry.state === 'loading') entry.abort.abort();
    this.entries.clear();
  }

  private page(node: ReleaseTreeNode, page: Paged): ReleaseTreeNode[] {
    const rows: ReleaseTreeNode[] = page.items.slice(0, page.shown);
    for (const item of rows) this.known.set(item.id, item);
    const remaining = page.items.length - page.shown;
    if (remaining > 0) rows.push(this.node<LoadMoreNode>({ kind: 'loadMore', id: `${node.id}/loadMore`, parent: node, remaining }));
    return rows;
  }
}

function sameNode(a: ReleaseTreeNode, b: ReleaseTreeNode): boolean {
  if (a.kind !== b.kind) return false;
  const ka = Object.keys(a) as (keyof ReleaseTreeNode)[];
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    const x = a[key] as unknown;
    const y = b[key] as unknown;
    if (key === 'parent') {
      if ((x as ReleaseTreeNode | undefined)?.id !== (y as ReleaseTreeNode | undefined)?.id) return false;
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
    } else if (x !== y) {
      return false;
    }
  }
  return true;
}

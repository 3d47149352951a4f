import type { CancellationTokenLike } from '../../../core/cancel';
import { OkdError } from '../../../core/errors';
import type { Release } from '../../../core/release/model';
import type { GroupName, GroupNode, LoadMoreNode, PinnedNode, ReleaseNode, ReleaseTreeNode } from '../nodes';
import { ReleaseContents } from './contents';
import { ReleaseControllers } from './controllers';
import type { ReleaseTreeDeps } from './deps';
import { PinnedReleases } from './pinned';
import { ReleaseRepositories } from './repositories';
import { NodeStore } from './store';
import { ReleaseResultsRows } from '../results/model';

export type { ReleaseSources, ReleaseTreeDeps } from './deps';
export { metadataRows, type MetadataRow } from './metadata';
export { releaseLabel } from './pinned';
export { parseRepository } from './repositories';
export { PAGE_SIZE } from './store';

/**
 * The data of the Release Explorer: sources from the settings, streams and tags from release controllers, tags of
 * release repositories (paged), pinned releases, and releases read through the shared library. It caches what it
 * read per node until that node is invalidated, and keeps node objects stable while their data is unchanged (the
 * tree view identifies rendered elements by object).
 */
export class ReleaseTreeModel {
  private roots_: ReleaseTreeNode[] | undefined;
  private readonly store: NodeStore;
  private readonly controllers: ReleaseControllers;
  private readonly repositories: ReleaseRepositories;
  private readonly pinned: PinnedReleases;
  private readonly contents: ReleaseContents;
  private readonly results: ReleaseResultsRows;

  constructor(private readonly deps: ReleaseTreeDeps) {
    this.store = new NodeStore(deps);
    this.controllers = new ReleaseControllers(this.store, deps);
    this.repositories = new ReleaseRepositories(this.store, deps);
    this.pinned = new PinnedReleases(this.store, deps);
    this.contents = new ReleaseContents(this.store, deps);
    this.results = new ReleaseResultsRows(this.store, deps);
  }

  isEmpty(): boolean {
    const s = this.deps.sources();
    return s.controllers.length === 0 && s.repositories.length === 0 && s.pinned.length === 0 && !this.pinned.hasPending();
  }

  roots(): ReleaseTreeNode[] {
    if (!this.roots_) {
      const s = this.deps.sources();
      const roots: ReleaseTreeNode[] = [];
      for (const c of s.controllers) roots.push(this.controllers.root(c.url, c.streams));
      for (const repository of s.repositories) roots.push(this.repositories.root(repository));
      if (!this.isEmpty()) roots.push(this.pinnedRoot());
      // A source listed twice in the settings is shown once (ids must be unique in a view).
      this.roots_ = roots.filter((root, i) => roots.findIndex((r) => r.id === root.id) === i);
    }
    return this.roots_;
  }

  pinnedRoot(): PinnedNode {
    return this.pinned.root();
  }

  /**
   * Re-reads the sources from the settings. Returns true when the roots changed (the whole tree must be rendered
   * again); the children of unchanged roots stay cached.
   */
  reloadSources(): boolean {
    const before = this.roots_;
    this.pinned.settle();
    this.roots_ = undefined;
    const after = this.roots();
    const changed = !before || before.length !== after.length || before.some((n, i) => n !== after[i]);
    for (const old of before ?? []) if (!after.includes(old)) this.store.forgetSubtree(old.id);
    for (const root of after) this.store.remember(root);
    return changed;
  }

  /** The node with this id, as last handed to the view. */
  get(id: string): ReleaseTreeNode | undefined {
    return this.store.get(id);
  }

  /** Release nodes currently shown for this pullspec, pinned ones first. */
  releaseNodes(pullSpec: string): ReleaseNode[] {
    const out: ReleaseNode[] = [];
    for (const n of this.store.nodes()) if (n.kind === 'release' && n.pullSpec === pullSpec) out.push(n);
    return out.sort((a, b) => Number(b.pinned) - Number(a.pinned));
  }

  /** Every release pullspec the tree lists (pinned and listed by sources), for pickers. */
  listedReleases(): ReleaseNode[] {
    const seen = new Set<string>();
    const out: ReleaseNode[] = [];
    for (const n of this.store.nodes()) {
      if (n.kind === 'release' && !seen.has(n.pullSpec)) {
        seen.add(n.pullSpec);
        out.push(n);
      }
    }
    return out;
  }

  /**
   * Shows `pullSpec` under Pinned right away, before the settings update arrives. `rootsChanged`: Pinned itself
   * was not shown before (no sources at all).
   */
  addPendingPin(pullSpec: string): { node: ReleaseNode; rootsChanged: boolean } {
    this.pinned.addPending(pullSpec);
    let rootsChanged = false;
    if (!this.roots_?.some((r) => r.kind === 'pinned')) {
      this.roots_ = undefined;
      rootsChanged = true;
    }
    return { node: this.pinnedReleaseNode(pullSpec), rootsChanged };
  }

  removePendingPin(pullSpec: string): void {
    this.pinned.removePending(pullSpec);
  }

  pinnedReleaseNode(pullSpec: string): ReleaseNode {
    return this.pinned.releaseNode(pullSpec);
  }

  children(node: ReleaseTreeNode | undefined): Promise<ReleaseTreeNode[]> {
    if (!node) return Promise.resolve(this.roots());
    switch (node.kind) {
      case 'pinned':
        return Promise.resolve(this.pinned.children(node));
      case 'controller':
        return this.controllers.controllerChildren(node);
      case 'stream':
        return this.controllers.streamChildren(node);
      case 'repository':
        return this.repositories.children(node);
      case 'release': {
        // A tag a controller lists has its Results first, read only when that row is expanded.
        const results = this.results.resultsNode(node);
        return results ? this.contents.releaseChildren(node).then((children) => [results, ...children]) : this.contents.releaseChildren(node);
      }
      case 'results':
        return this.results.children(node);
      case 'resultsGroup':
        return Promise.resolve([...node.rows]);
      case 'group':
      case 'operator':
      case 'operatorManifests':
      case 'workload':
        return Promise.resolve(this.contents.children(node));
      default:
        return Promise.resolve([]);
    }
  }

  /** Reads a release through the library (deduplicated per pullspec, cached by digest). */
  loadRelease(pullSpec: string, token?: CancellationTokenLike): Promise<Release> {
    return this.contents.load(pullSpec, token);
  }

  /** The group of a release node (creating the release's children if needed). */
  async group(node: ReleaseNode, group: GroupName): Promise<GroupNode> {
    const children = await this.children(node);
    const found = children.find((c): c is GroupNode => c.kind === 'group' && c.group === group);
    if (!found) {
      const error = children.find((c) => c.kind === 'error');
      throw error?.kind === 'error' ? error.error : new OkdError('failed', `release ${node.pullSpec} has no ${group}`);
    }
    return found;
  }

  /** Shows the next page of a paged list; returns the node whose children changed. */
  loadMore(node: LoadMoreNode): ReleaseTreeNode | undefined {
    return this.store.loadMore(node);
  }

  /**
   * Forgets what was read for `node` and below (everything when undefined), so the next expansion reads again.
   * A release node also forgets the payload it read, so a moved tag is read anew.
   */
  invalidate(node: ReleaseTreeNode | undefined): void {
    if (!node) {
      this.store.clear();
      this.reloadSources();
      return;
    }
    if (node.kind === 'release') this.deps.library.forget(node.pullSpec);
    this.store.forgetSubtree(node.id, true);
  }

  dispose(): void {
    this.store.dispose();
  }
}

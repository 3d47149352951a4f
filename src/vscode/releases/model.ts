import { type CancellationTokenLike, CancelledError, fromAbortSignal } from '../../core/cancel';
import { describeError, OkdError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { parsePullspec, type Pullspec } from '../../core/pullspec';
import { releaseDigest } from '../../core/release/diff';
import type { ReleaseLibrary } from '../../core/release/library';
import type { Release } from '../../core/release/model';
import { formatCreated, formatPlatform, pullFrom, sortSemanticVersions } from '../../core/release/render';
import { sortReleaseTagsNewestFirst } from '../../core/release/tags';
import type { ReleaseControllerTag, ReleaseStreamTags } from '../../core/releasecontroller/client';
import {
  type ControllerNode,
  type GroupName,
  type GroupNode,
  isWithin,
  type LoadMoreNode,
  type PinnedNode,
  PINNED_ID,
  type ReleaseNode,
  type ReleaseTreeNode,
  type RepositoryNode,
  type StreamNode,
} from './nodes';

export interface ReleaseSources {
  controllers: { url: string; streams: string[] }[];
  repositories: string[];
  pinned: string[];
}

/** What the model reads from; the extension passes the settings, the shared library and registry. */
export interface ReleaseTreeDeps {
  sources(): ReleaseSources;
  library: ReleaseLibrary;
  listTags(registry: string, repository: string, token: CancellationTokenLike): Promise<string[]>;
  controller(url: string): {
    streamTags(stream: string, options: object, token?: CancellationTokenLike): Promise<ReleaseStreamTags>;
    releaseStreams(kind: 'accepted', token?: CancellationTokenLike): Promise<Record<string, string[]>>;
  };
  logger: Logger;
  /** Runs a read so the view shows that it is busy. */
  withProgress<T>(title: string, task: () => Promise<T>): Promise<T>;
}

/** Tags shown per page of a repository or stream; "Load more" shows the next page. */
export const PAGE_SIZE = 50;

interface Paged {
  items: ReleaseNode[];
  shown: number;
}

type Entry = { state: 'loading'; promise: Promise<ReleaseTreeNode[]>; abort: AbortController } | { state: 'done'; children: ReleaseTreeNode[] };

/**
 * The data of the Release Explorer: sources from the settings, streams and tags from release controllers, tags of
 * release repositories (paged), pinned releases, and releases read through the shared library. It caches what it
 * read per node until that node is invalidated, and keeps node objects stable while their data is unchanged (the
 * tree view identifies rendered elements by object).
 */
export class ReleaseTreeModel {
  private roots_: ReleaseTreeNode[] | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly paged = new Map<string, Paged>();
  private readonly known = new Map<string, ReleaseTreeNode>();
  /** Pinned in this session but maybe not yet visible in the settings (the update is asynchronous). */
  private readonly pendingPins = new Set<string>();

  constructor(private readonly deps: ReleaseTreeDeps) {}

  isEmpty(): boolean {
    const s = this.deps.sources();
    return s.controllers.length === 0 && s.repositories.length === 0 && s.pinned.length === 0 && this.pendingPins.size === 0;
  }

  roots(): ReleaseTreeNode[] {
    if (!this.roots_) {
      const s = this.deps.sources();
      const roots: ReleaseTreeNode[] = [];
      for (const c of s.controllers) {
        roots.push(this.node<ControllerNode>({ kind: 'controller', id: `controller:${c.url}`, parent: undefined, url: c.url, streams: [...c.streams] }));
      }
      for (const repository of s.repositories) {
        roots.push(this.node<RepositoryNode>({ kind: 'repository', id: `repository:${repository}`, parent: undefined, repository }));
      }
      if (!this.isEmpty()) roots.push(this.pinnedRoot());
      // A source listed twice in the settings is shown once (ids must be unique in a view).
      this.roots_ = roots.filter((root, i) => roots.findIndex((r) => r.id === root.id) === i);
    }
    return this.roots_;
  }

  pinnedRoot(): PinnedNode {
    return this.node<PinnedNode>({ kind: 'pinned', id: PINNED_ID, parent: undefined });
  }

  /**
   * Re-reads the sources from the settings. Returns true when the roots changed (the whole tree must be rendered
   * again); the children of unchanged roots stay cached.
   */
  reloadSources(): boolean {
    const before = this.roots_;
    const pinned = new Set(this.deps.sources().pinned);
    for (const p of this.pendingPins) if (pinned.has(p)) this.pendingPins.delete(p);
    this.roots_ = undefined;
    const after = this.roots();
    const changed = !before || before.length !== after.length || before.some((n, i) => n !== after[i]);
    for (const old of before ?? []) if (!after.includes(old)) this.forgetSubtree(old.id);
    for (const root of after) this.known.set(root.id, root);
    return changed;
  }

  /** The node with this id, as last handed to the view. */
  get(id: string): ReleaseTreeNode | undefined {
    return this.known.get(id);
  }

  /** Release nodes currently shown for this pullspec, pinned ones first. */
  releaseNodes(pullSpec: string): ReleaseNode[] {
    const out: ReleaseNode[] = [];
    for (const n of this.known.values()) if (n.kind === 'release' && n.pullSpec === pullSpec) out.push(n);
    return out.sort((a, b) => Number(b.pinned) - Number(a.pinned));
  }

  /** Every release pullspec the tree lists (pinned and listed by sources), for pickers. */
  listedReleases(): ReleaseNode[] {
    const seen = new Set<string>();
    const out: ReleaseNode[] = [];
    for (const n of this.known.values()) {
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
    this.pendingPins.add(pullSpec);
    let rootsChanged = false;
    if (!this.roots_?.some((r) => r.kind === 'pinned')) {
      this.roots_ = undefined;
      rootsChanged = true;
    }
    return { node: this.pinnedReleaseNode(pullSpec), rootsChanged };
  }

  removePendingPin(pullSpec: string): void {
    this.pendingPins.delete(pullSpec);
  }

  pinnedReleaseNode(pullSpec: string): ReleaseNode {
    return this.node<ReleaseNode>({ kind: 'release', id: `${PINNED_ID}|${pullSpec}`, parent: this.pinnedRoot(), pullSpec, label: releaseLabel(pullSpec), pinned: true });
  }

  children(node: ReleaseTreeNode | undefined): Promise<ReleaseTreeNode[]> {
    if (!node) return Promise.resolve(this.roots());
    switch (node.kind) {
      case 'pinned':
        return Promise.resolve(this.pinnedChildren(node));
      case 'controller':
        if (node.streams.length > 0) return Promise.resolve(node.streams.map((s) => this.streamNode(node, s)));
        return this.cached(node, `Listing streams of ${node.url}`, async (token) => {
          const streams = await this.deps.controller(node.url).releaseStreams('accepted', token);
          const names = Object.keys(streams).sort();
          if (names.length === 0) return [this.message(node, 'No accepted release streams')];
          return names.map((s) => this.streamNode(node, s));
        });
      case 'stream':
        return this.pagedChildren(node, `Listing ${node.stream}`, async (token) => {
          const started = Date.now();
          const stream = await this.deps.controller(node.url).streamTags(node.stream, {}, token);
          this.deps.logger.info(`releases: ${node.url} stream ${node.stream}: ${stream.tags.length} tags in ${Date.now() - started} ms`);
          return stream.tags.map((t) => this.streamReleaseNode(node, t));
        });
      case 'repository':
        return this.pagedChildren(node, `Listing tags of ${node.repository}`, async (token) => {
          const ref = parseRepository(node.repository);
          const started = Date.now();
          const tags = sortReleaseTagsNewestFirst(await this.deps.listTags(ref.registry, ref.repository, token));
          this.deps.logger.info(`releases: ${node.repository}: ${tags.length} tags in ${Date.now() - started} ms`);
          const base = `${ref.registry}/${ref.repository}`;
          return tags.map((tag) =>
            this.node<ReleaseNode>({ kind: 'release', id: `${node.id}|${base}:${tag}`, parent: node, pullSpec: `${base}:${tag}`, label: tag, pinned: false }),
          );
        });
      case 'release':
        return this.cached(node, `Reading release ${node.pullSpec}`, async (token) => {
          const release = await this.loadRelease(node.pullSpec, token);
          return (['operators', 'images', 'manifests', 'metadata'] as const).map((group) => this.groupNode(node, release, group));
        });
      case 'group':
        return Promise.resolve(this.groupChildren(node));
      case 'operator': {
        const { release, operator } = node;
        const rows: ReleaseTreeNode[] = operator.deployments.map((workload) =>
          this.node({ kind: 'workload', id: `${node.id}/${workload.kind}:${workload.namespace}/${workload.name}`, parent: node, release, workload }),
        );
        if (operator.manifests.length > 0) rows.push(this.node({ kind: 'operatorManifests', id: `${node.id}/manifests`, parent: node, release, operator }));
        return Promise.resolve(rows);
      }
      case 'operatorManifests': {
        const files = new Set(node.operator.manifests);
        return Promise.resolve(
          node.release.manifests.filter((m) => files.has(m.file)).map((manifest) => this.node({ kind: 'manifest', id: `${node.id}/${manifest.file}`, parent: node, release: node.release, manifest })),
        );
      }
      case 'workload':
        return Promise.resolve(
          node.workload.containers.map((container) =>
            this.node({
              kind: 'container',
              id: `${node.id}/${container.init ? 'init:' : ''}${container.name}`,
              parent: node,
              release: node.release,
              workload: node.workload,
              container,
            }),
          ),
        );
      default:
        return Promise.resolve([]);
    }
  }

  /** Reads a release through the library (deduplicated per pullspec, cached by digest). */
  async loadRelease(pullSpec: string, token?: CancellationTokenLike): Promise<Release> {
    const known = this.deps.library.get(pullSpec);
    if (known) return known;
    const started = Date.now();
    const release = await this.deps.library.load(pullSpec, token);
    this.deps.logger.info(`releases: read ${pullSpec} (${release.version}, ${release.components.length} images, ${release.manifests.length} manifests) in ${Date.now() - started} ms`);
    return release;
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
    const parent = node.parent;
    if (!parent) return undefined;
    const page = this.paged.get(parent.id);
    if (!page) return undefined;
    page.shown = Math.min(page.items.length, page.shown + PAGE_SIZE);
    this.entries.set(parent.id, { state: 'done', children: this.page(parent, page) });
    return parent;
  }

  /**
   * Forgets what was read for `node` and below (everything when undefined), so the next expansion reads again.
   * A release node also forgets the payload it read, so a moved tag is read anew.
   */
  invalidate(node: ReleaseTreeNode | undefined): void {
    if (!node) {
      for (const entry of this.entries.values()) if (entry.state === 'loading') entry.abort.abort();
      this.entries.clear();
      this.paged.clear();
      this.known.clear();
      this.reloadSources();
      return;
    }
    if (node.kind === 'release') this.deps.library.forget(node.pullSpec);
    this.forgetSubtree(node.id, true);
  }

  dispose(): void {
    for (const entry of this.entries.values()) if (entry.state === 'loading') entry.abort.abort();
    this.entries.clear();
  }

  private forgetSubtree(id: string, keepSelf = false): void {
    for (const [key, entry] of this.entries) {
      if (!isWithin(key, id)) continue;
      if (entry.state === 'loading') entry.abort.abort();
      this.entries.delete(key);
    }
    for (const key of this.paged.keys()) if (isWithin(key, id)) this.paged.delete(key);
    for (const key of this.known.keys()) if (isWithin(key, id) && !(keepSelf && key === id)) this.known.delete(key);
  }

  /**
   * Returns the existing node object when one with this id and the same data exists, so a re-listing does not
   * replace every rendered element; otherwise records the new one.
   */
  private node<T extends ReleaseTreeNode>(fresh: T): T {
    const old = this.known.get(fresh.id);
    if (old && sameNode(old, fresh)) return old as T;
    this.known.set(fresh.id, fresh);
    return fresh;
  }

  private streamNode(parent: ControllerNode, stream: string): StreamNode {
    return this.node<StreamNode>({ kind: 'stream', id: `${parent.id}/stream:${stream}`, parent, url: parent.url, stream });
  }

  private streamReleaseNode(parent: StreamNode, tag: ReleaseControllerTag): ReleaseNode {
    const node: ReleaseNode = { kind: 'release', id: `${parent.id}|${tag.pullSpec}`, parent, pullSpec: tag.pullSpec, label: tag.name, phase: tag.phase, pinned: false };
    return this.node<ReleaseNode>(tag.downloadURL ? { ...node, downloadURL: tag.downloadURL } : node);
  }

  private message(parent: ReleaseTreeNode, message: string, command?: string): ReleaseTreeNode {
    return this.node({ kind: 'message', id: `${parent.id}/message`, parent, message, ...(command ? { command } : {}) });
  }

  private pinnedChildren(node: PinnedNode): ReleaseTreeNode[] {
    const pinned = [...new Set([...this.deps.sources().pinned, ...this.pendingPins])];
    if (pinned.length === 0) return [this.message(node, 'No pinned releases: Add Release by Pullspec...', 'okd.addRelease')];
    // Pinned releases are the ones the user opens: start reading them (a few at a time, from the cache when it
    // has them) as soon as their rows are shown, so expanding one does not wait. A failure shows when expanded.
    void this.prefetch(pinned);
    return pinned.map((p) => this.pinnedReleaseNode(p));
  }

  private async prefetch(pullSpecs: string[]): Promise<void> {
    for (let i = 0; i < pullSpecs.length; i += 3) {
      await Promise.all(pullSpecs.slice(i, i + 3).map((p) => (this.deps.library.get(p) ? undefined : this.deps.library.load(p).catch(() => undefined))));
    }
  }

  private groupNode(parent: ReleaseNode, release: Release, group: GroupName): GroupNode {
    return this.node<GroupNode>({ kind: 'group', id: `${parent.id}/${group}`, parent, release, group });
  }

  private groupChildren(node: GroupNode): ReleaseTreeNode[] {
    const { release } = node;
    switch (node.group) {
      case 'operators':
        return [...release.operators]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((operator) => this.node({ kind: 'operator', id: `${node.id}/${operator.name}`, parent: node, release, operator }));
      case 'images':
        return [...release.components]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((component) => this.node({ kind: 'image', id: `${node.id}/${component.name}`, parent: node, release, component }));
      case 'manifests':
        return release.manifests.map((manifest) => this.node({ kind: 'manifest', id: `${node.id}/${manifest.file}`, parent: node, release, manifest }));
      case 'metadata':
        return metadataRows(release).map((row) => this.node({ kind: 'metadata', id: `${node.id}/${row.key}`, parent: node, release, ...row }));
    }
  }

  /** Children read once and kept until invalidated; a failure becomes one error node with the reason. */
  private cached(node: ReleaseTreeNode, title: string, read: (token: CancellationTokenLike) => Promise<ReleaseTreeNode[]>): Promise<ReleaseTreeNode[]> {
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

  private pagedChildren(node: StreamNode | RepositoryNode, title: string, list: (token: CancellationTokenLike) => Promise<ReleaseNode[]>): Promise<ReleaseTreeNode[]> {
    return this.cached(node, title, async (token) => {
      const items = await list(token);
      if (items.length === 0) return [this.message(node, node.kind === 'stream' ? 'No releases in this stream' : 'No tags in this repository')];
      const page: Paged = { items, shown: Math.min(items.length, PAGE_SIZE) };
      this.paged.set(node.id, page);
      return this.page(node, page);
    });
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

/** `registry/repository` of a release repository setting (a tag or digest in it is ignored). */
export function parseRepository(text: string): Pullspec {
  const ref = parsePullspec(text.trim());
  return { registry: ref.registry, repository: ref.repository };
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

export interface MetadataRow {
  key: string;
  label: string;
  value: string;
  url?: string;
}

/** The Metadata group of a release: what `oc adm release info` prints above the images. */
export function metadataRows(release: Release): MetadataRow[] {
  const rows: MetadataRow[] = [{ key: 'version', label: 'Version', value: release.version }];
  if (release.name && release.name !== release.version) rows.push({ key: 'name', label: 'Name', value: release.name });
  rows.push(
    { key: 'created', label: 'Created', value: formatCreated(release.created) },
    { key: 'digest', label: 'Digest', value: releaseDigest(release) },
    { key: 'pullFrom', label: 'Pull From', value: pullFrom(release) },
    { key: 'platform', label: 'OS/Arch', value: formatPlatform(release) },
  );
  const m = release.metadata;
  if (m) {
    rows.push({ key: 'previous', label: 'Upgrades from', value: m.previous.length > 0 ? sortSemanticVersions(m.previous).join(', ') : '<none>' });
    const channels = m.metadata['io.openshift.upgrades.graph.release.channels'];
    if (typeof channels === 'string' && channels) rows.push({ key: 'channels', label: 'Channels', value: channels });
    const url = m.metadata.url;
    if (typeof url === 'string' && url) rows.push({ key: 'url', label: 'URL', value: url, ...(/^https?:\/\//.test(url) ? { url } : {}) });
  }
  for (const [name, v] of Object.entries(release.componentVersions).sort(([a], [b]) => a.localeCompare(b))) {
    rows.push({ key: `version:${name}`, label: v.displayName || name, value: v.version });
  }
  rows.push(
    { key: 'images', label: 'Images', value: String(release.components.length) },
    { key: 'manifests', label: 'Manifests', value: String(release.manifests.length) },
  );
  return rows;
}

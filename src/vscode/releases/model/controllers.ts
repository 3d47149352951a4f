import type { ReleaseControllerTag } from '../../../core/releasecontroller/client';
import type { ControllerNode, ReleaseNode, ReleaseTreeNode, StreamNode } from '../nodes';
import type { ReleaseTreeDeps } from './deps';
import type { NodeStore } from './store';

/**
 * Release controllers as sources: a controller lists the streams its setting names, else its accepted streams; a
 * stream lists its release tags with their phase, a page at a time.
 */
export class ReleaseControllers {
  constructor(
    private readonly store: NodeStore,
    private readonly deps: ReleaseTreeDeps,
  ) {}

  root(url: string, streams: readonly string[]): ControllerNode {
    return this.store.node<ControllerNode>({ kind: 'controller', id: `controller:${url}`, parent: undefined, url, streams: [...streams] });
  }

  controllerChildren(node: ControllerNode): Promise<ReleaseTreeNode[]> {
    if (node.streams.length > 0) return Promise.resolve(node.streams.map((s) => this.streamNode(node, s)));
    return this.store.cached(node, `Listing streams of ${node.url}`, async (token) => {
      const streams = await this.deps.controller(node.url).releaseStreams('accepted', token);
      const names = Object.keys(streams).sort();
      if (names.length === 0) return [this.store.message(node, 'No accepted release streams')];
      return names.map((s) => this.streamNode(node, s));
    });
  }

  streamChildren(node: StreamNode): Promise<ReleaseTreeNode[]> {
    return this.store.pagedChildren(node, `Listing ${node.stream}`, 'No releases in this stream', async (token) => {
      const started = Date.now();
      const stream = await this.deps.controller(node.url).streamTags(node.stream, {}, token);
      this.deps.logger.info(`releases: ${node.url} stream ${node.stream}: ${stream.tags.length} tags in ${Date.now() - started} ms`);
      return stream.tags.map((t) => this.releaseNode(node, t));
    });
  }

  private streamNode(parent: ControllerNode, stream: string): StreamNode {
    return this.store.node<StreamNode>({ kind: 'stream', id: `${parent.id}/stream:${stream}`, parent, url: parent.url, stream });
  }

  private releaseNode(parent: StreamNode, tag: ReleaseControllerTag): ReleaseNode {
    const node: ReleaseNode = { kind: 'release', id: `${parent.id}|${tag.pullSpec}`, parent, pullSpec: tag.pullSpec, label: tag.name, phase: tag.phase, pinned: false };
    return this.store.node<ReleaseNode>(tag.downloadURL ? { ...node, downloadURL: tag.downloadURL } : node);
  }
}

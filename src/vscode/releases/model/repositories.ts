import { parsePullspec, type Pullspec } from '../../../core/pullspec';
import { sortReleaseTagsNewestFirst } from '../../../core/release/tags';
import type { ReleaseNode, ReleaseTreeNode, RepositoryNode } from '../nodes';
import type { ReleaseTreeDeps } from './deps';
import type { NodeStore } from './store';

/** Release repositories as sources: a repository lists its tags, newest release first, a page at a time. */
export class ReleaseRepositories {
  constructor(
    private readonly store: NodeStore,
    private readonly deps: ReleaseTreeDeps,
  ) {}

  root(repository: string): RepositoryNode {
    return this.store.node<RepositoryNode>({ kind: 'repository', id: `repository:${repository}`, parent: undefined, repository });
  }

  children(node: RepositoryNode): Promise<ReleaseTreeNode[]> {
    return this.store.pagedChildren(node, `Listing tags of ${node.repository}`, 'No tags in this repository', async (token) => {
      const ref = parseRepository(node.repository);
      const started = Date.now();
      const tags = sortReleaseTagsNewestFirst(await this.deps.listTags(ref.registry, ref.repository, token));
      this.deps.logger.info(`releases: ${node.repository}: ${tags.length} tags in ${Date.now() - started} ms`);
      const base = `${ref.registry}/${ref.repository}`;
      return tags.map((tag) =>
        this.store.node<ReleaseNode>({ kind: 'release', id: `${node.id}|${base}:${tag}`, parent: node, pullSpec: `${base}:${tag}`, label: tag, pinned: false }),
      );
    });
  }
}

/** `registry/repository` of a release repository setting (a tag or digest in it is ignored). */
export function parseRepository(text: string): Pullspec {
  const ref = parsePullspec(text.trim());
  return { registry: ref.registry, repository: ref.repository };
}

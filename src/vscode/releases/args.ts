import { OkdError } from '../../core/errors';
import type { ReleaseExplorer } from './explorer';
import { releaseNodeOf, type ReleaseTreeNode } from './nodes';
import { pickRelease } from './pick';

const nodeKinds = new Set([
  'controller', 'stream', 'repository', 'pinned', 'release', 'group', 'operator', 'operatorManifests', 'workload', 'container', 'image', 'manifest',
  'metadata', 'error', 'loadMore', 'message',
]);

/** A tree node passed by a menu or a test, recognised by shape (the extension host passes the object itself). */
export function asNode(arg: unknown): ReleaseTreeNode | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { kind, id } = arg as { kind?: unknown; id?: unknown };
  return typeof kind === 'string' && typeof id === 'string' && nodeKinds.has(kind) ? (arg as ReleaseTreeNode) : undefined;
}

/**
 * The release pullspec a command is about: a tree node (or anything inside a release), a pullspec string,
 * `{release}` / `{pullSpec}` (hover links), else the selected release, else one the user picks.
 */
export async function releaseArgument(explorer: ReleaseExplorer, arg: unknown, title: string): Promise<string | undefined> {
  const node = asNode(arg);
  if (node) {
    const release = releaseNodeOf(node);
    if (release) return release.pullSpec;
    if ('release' in node) return node.release.pullSpec;
    throw new OkdError('invalid-input', `"${node.id}" is not a release`);
  }
  if (typeof arg === 'string' && arg.trim()) return arg.trim();
  if (typeof arg === 'object' && arg !== null) {
    const { release, pullSpec } = arg as { release?: unknown; pullSpec?: unknown };
    if (typeof release === 'string' && release) return release;
    if (typeof pullSpec === 'string' && pullSpec) return pullSpec;
  }
  const selected = explorer.selectedRelease();
  if (selected) return selected.pullSpec;
  return pickRelease(explorer, { title });
}

import type { Component, ManifestFile, Operator, Release, Workload, WorkloadContainer } from '../../core/release/model';
import type { ResultsNode, ResultsGroupNode, ResultRowNode } from './results/nodes';

export type { ResultsNode, ResultsGroupNode, ResultRowNode } from './results/nodes';

/**
 * The nodes of the Release Explorer. Plain data (no vscode import): the model builds them, the tree provider renders
 * them. Ids are derived from the source and the pullspec or path, never from text that changes (phase, counts), so
 * a node keeps its selection and expansion across refreshes.
 */
interface Base {
  readonly id: string;
  readonly parent: ReleaseTreeNode | undefined;
}

export interface ControllerNode extends Base {
  readonly kind: 'controller';
  readonly url: string;
  /** Streams from the setting; empty: the controller's accepted streams are listed. */
  readonly streams: readonly string[];
}

export interface StreamNode extends Base {
  readonly kind: 'stream';
  readonly url: string;
  readonly stream: string;
}

export interface RepositoryNode extends Base {
  readonly kind: 'repository';
  /** `registry/repository` as written in the setting. */
  readonly repository: string;
}

export interface PinnedNode extends Base {
  readonly kind: 'pinned';
}

export type SourceNode = ControllerNode | StreamNode | RepositoryNode | PinnedNode;

/** A release payload, listed by a source. Expanding it reads the payload. */
export interface ReleaseNode extends Base {
  readonly kind: 'release';
  readonly pullSpec: string;
  /** The tag as listed (or a short digest). */
  readonly label: string;
  /** Release controller phase (Accepted, Rejected, ...), when listed by a controller. */
  readonly phase?: string;
  readonly downloadURL?: string;
  /** Listed under Pinned (so it can be unpinned). */
  readonly pinned: boolean;
}

export type GroupName = 'operators' | 'images' | 'manifests' | 'metadata';

interface InRelease extends Base {
  readonly release: Release;
}

export interface GroupNode extends InRelease {
  readonly kind: 'group';
  readonly group: GroupName;
}

export interface OperatorNode extends InRelease {
  readonly kind: 'operator';
  readonly operator: Operator;
}

/** The manifests of one operator, under the operator. */
export interface OperatorManifestsNode extends InRelease {
  readonly kind: 'operatorManifests';
  readonly operator: Operator;
}

export interface WorkloadNode extends InRelease {
  readonly kind: 'workload';
  readonly workload: Workload;
}

export interface ContainerNode extends InRelease {
  readonly kind: 'container';
  readonly workload: Workload;
  readonly container: WorkloadContainer;
}

export interface ImageNode extends InRelease {
  readonly kind: 'image';
  readonly component: Component;
}

export interface ManifestNode extends InRelease {
  readonly kind: 'manifest';
  readonly manifest: ManifestFile;
}

export interface MetadataNode extends InRelease {
  readonly kind: 'metadata';
  readonly key: string;
  readonly label: string;
  readonly value: string;
  /** A link the row opens (release-metadata `url`). */
  readonly url?: string;
}

/** A source or release that could not be read: the reason, and a Retry that reloads `parent`. */
export interface ErrorNode extends Base {
  readonly kind: 'error';
  readonly message: string;
  readonly error: unknown;
}

/** The last row of a paged list. */
export interface LoadMoreNode extends Base {
  readonly kind: 'loadMore';
  readonly remaining: number;
}

/** An informational row (empty list, hint). */
export interface MessageNode extends Base {
  readonly kind: 'message';
  readonly message: string;
  /** A command id the row runs when clicked. */
  readonly command?: string;
  /** Shown with a warning icon and this text as its tooltip; Retry reads the parent again. */
  readonly warning?: string;
}

export type ReleaseTreeNode =
  | ControllerNode
  | StreamNode
  | RepositoryNode
  | PinnedNode
  | ReleaseNode
  | GroupNode
  | OperatorNode
  | OperatorManifestsNode
  | WorkloadNode
  | ContainerNode
  | ImageNode
  | ManifestNode
  | MetadataNode
  | ErrorNode
  | LoadMoreNode
  | MessageNode
  | ResultsNode
  | ResultsGroupNode
  | ResultRowNode;

export const PINNED_ID = 'pinned';

/** The release node a node belongs to (itself for a release node). */
export function releaseNodeOf(node: ReleaseTreeNode | undefined): ReleaseNode | undefined {
  for (let n = node; n; n = n.parent) if (n.kind === 'release') return n;
  return undefined;
}

/** True when `id` is `ancestor` or lies below it. */
export function isWithin(id: string, ancestor: string): boolean {
  return id === ancestor || id.startsWith(`${ancestor}/`) || id.startsWith(`${ancestor}|`);
}

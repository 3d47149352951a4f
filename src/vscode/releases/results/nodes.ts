import type { ReleaseTreeNode } from '../nodes';

/**
 * The release controller's results under a tag it lists: read when the row is expanded
 * (`/api/v1/releasestream/<stream>/release/<tag>`), never with the payload.
 */
export interface ResultsNode {
  readonly kind: 'results';
  readonly id: string;
  readonly parent: ReleaseTreeNode | undefined;
  readonly url: string;
  readonly stream: string;
  readonly tag: string;
}

export type ResultsSection = 'blocking' | 'informing' | 'pending' | 'upgradesTo' | 'upgradesFrom';

/** Blocking jobs, informing jobs, pending jobs, upgrades to or from the tag: rows made when the results were read. */
export interface ResultsGroupNode {
  readonly kind: 'resultsGroup';
  readonly id: string;
  readonly parent: ReleaseTreeNode | undefined;
  readonly section: ResultsSection;
  readonly label: string;
  readonly description: string;
  /** Something in it failed (shown on the row). */
  readonly failed: boolean;
  readonly rows: readonly ResultRowNode[];
}

/** One fact: the phase, a job and its state, an upgrade edge, whether the cluster can upgrade to the tag. Opens `url` when clicked. */
export interface ResultRowNode {
  readonly kind: 'resultRow';
  readonly id: string;
  readonly parent: ReleaseTreeNode | undefined;
  readonly label: string;
  readonly description: string;
  /** Succeeded, Failed, Pending, a phase (Accepted, Rejected, ...), or Reachable/Unreachable (from the cluster). */
  readonly state: string;
  readonly url?: string;
  readonly tooltip: string;
}

import type * as vscode from 'vscode';
import type { Services } from '../../services';
import type { WorkspaceAwareness } from '../../workspace/awareness';
import type { ClusterModel } from '../model';
import type { ClusterNode } from '../nodes';
import type { PodLogFollowers } from '../podLogs';

/** What the cluster commands share. */
export interface ClusterContext {
  services: Services;
  model: ClusterModel;
  view: vscode.TreeView<ClusterNode>;
  logs: PodLogFollowers;
  /** What the open checkout builds, when the extension has it (Build, Push & Patch records its result there). */
  workspace?: WorkspaceAwareness;
}

/** One command: `run` gets the arguments executeCommand or a menu passed (a tree node, or an options object). */
export interface ClusterCommand {
  id: string;
  run(context: ClusterContext, ...args: unknown[]): Promise<unknown>;
}

/** `{...}` arguments as a record, or undefined for a tree node, a string or nothing. */
export function optionsArg(arg: unknown): Record<string, unknown> | undefined {
  return typeof arg === 'object' && arg !== null && !('kind' in arg && 'id' in arg) ? (arg as Record<string, unknown>) : undefined;
}

export function nodeArg(arg: unknown): ClusterNode | undefined {
  return typeof arg === 'object' && arg !== null && 'kind' in arg && 'id' in arg ? (arg as ClusterNode) : undefined;
}

export function stringOption(options: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = options?.[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

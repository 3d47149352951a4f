// What the cluster suites share: the Cluster view's tree read through the data provider activate() returns, and a
// wait for its watches to catch up.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ClusterApi } from '../../../src/vscode/cluster/lazy';
import type { ClusterNode } from '../../../src/vscode/cluster/nodes';
import { EXTENSION_ID } from './sandbox';

export async function clusterApi(): Promise<ClusterApi> {
  const ext = vscode.extensions.getExtension<Partial<ClusterApi>>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  const exported = await ext.activate();
  assert.ok(exported?.clusterTree && exported.cluster, 'activate() returns no clusterTree');
  return exported as ClusterApi;
}

export interface ClusterRow {
  node: ClusterNode;
  item: vscode.TreeItem;
  label: string;
  description: string;
}

export async function clusterRows(node?: ClusterNode): Promise<ClusterRow[]> {
  const { clusterTree } = await clusterApi();
  const children = (await clusterTree.getChildren(node)) ?? [];
  return Promise.all(
    children.map(async (child) => {
      const item = await clusterTree.getTreeItem(child);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return { node: child, item, label, description: typeof item.description === 'string' ? item.description : '' };
    }),
  );
}

/** The rows under the top-level row `label` (Overrides, Patched Operators, ...). */
export async function clusterGroup(label: string): Promise<ClusterRow[]> {
  const root = (await clusterRows()).find((r) => r.label === label);
  assert.ok(root, `no "${label}" row; rows: ${(await clusterRows()).map((r) => r.label).join(', ')}`);
  return clusterRows(root.node);
}

/** Polls `check` (a test-side wait for the view's watches to catch up) until it holds or `ms` pass. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

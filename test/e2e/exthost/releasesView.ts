// What the Release Explorer suites share: its tree read through the data provider activate() returns.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ReleasesApi, ReleaseTreeNode } from '../../../src/vscode/releases';
import { EXTENSION_ID } from './sandbox';

export async function releasesTree(): Promise<ReleasesApi['releasesTree']> {
  const ext = vscode.extensions.getExtension<Partial<ReleasesApi>>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  const api = await ext.activate();
  assert.ok(api?.releasesTree, 'activate() returns no releasesTree');
  return api.releasesTree;
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export function tooltipOf(item: vscode.TreeItem): string {
  return typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
}

export interface ReleaseRow {
  node: ReleaseTreeNode;
  item: vscode.TreeItem;
  label: string;
  description: string;
}

export async function releaseRows(node?: ReleaseTreeNode): Promise<ReleaseRow[]> {
  const provider = await releasesTree();
  const children = await provider.getChildren(node);
  return children.map((child) => {
    const item = provider.getTreeItem(child);
    return { node: child, item, label: labelOf(item), description: typeof item.description === 'string' ? item.description : '' };
  });
}

/** Follows `labels` from the roots, failing with what was there instead. */
export async function walkReleases(...labels: (string | RegExp)[]): Promise<ReleaseRow> {
  let node: ReleaseTreeNode | undefined;
  let row: ReleaseRow | undefined;
  for (const label of labels) {
    const list = await releaseRows(node);
    row = list.find((r) => (typeof label === 'string' ? r.label === label : label.test(r.label)));
    assert.ok(row, `no row ${String(label)} under ${node?.id ?? 'the root'}; rows: ${list.map((r) => `${r.label} [${r.description}]`).join(', ')}`);
    node = row.node;
  }
  assert.ok(row);
  return row;
}

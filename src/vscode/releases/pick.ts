import vscode = require('vscode');
import { choosePullspec, type PullspecItem } from '../pullspecPick';
import { readSettings } from '../settings';
import type { ReleaseExplorer } from './explorer';
import { releaseLabel } from './model';

type ReleaseItem = PullspecItem;

/**
 * Picks a release: loaded ones, pinned ones and those the tree lists, or a pullspec typed into the box.
 * Undefined when dismissed.
 */
export async function pickRelease(explorer: ReleaseExplorer, options: { title: string; exclude?: string }): Promise<string | undefined> {
  const items: ReleaseItem[] = [];
  const seen = new Set<string>(options.exclude ? [options.exclude] : []);
  const add = (pullSpec: string, label: string, detail: string) => {
    if (seen.has(pullSpec)) return;
    seen.add(pullSpec);
    items.push({ pullSpec, label, description: pullSpec, detail });
  };
  for (const release of explorer.services.library.releases()) add(release.pullSpec, release.version, 'loaded');
  for (const pullSpec of readSettings().pinnedReleases) add(pullSpec, releaseLabel(pullSpec), 'pinned');
  for (const node of explorer.model.listedReleases()) add(node.pullSpec, node.label, node.phase ? `listed · ${node.phase}` : 'listed');

  const pick = vscode.window.createQuickPick<ReleaseItem>();
  pick.title = options.title;
  pick.placeholder = 'Pick a release, or type a pullspec (quay.io/okd/scos-release:4.19.0-okd-scos.16)';
  pick.matchOnDescription = true;
  pick.items = items;
  pick.ignoreFocusOut = true;
  return choosePullspec(pick, () => items);
}

import vscode = require('vscode');
import { describeError } from '../../core/errors';
import { parsePullspec } from '../../core/pullspec';
import type { Component, Release } from '../../core/release/model';
import type { Services } from '../services';
import { choosePullspec, type PullspecItem } from '../pullspecPick';
import { devImageChoices } from './plan';

type ImageItem = PullspecItem;

/** okd.devRepository: where the inner loop pushes (read fresh; settings.ts does not carry it). */
export function devRepositorySetting(): string {
  return (vscode.workspace.getConfiguration('okd').get<string>('devRepository') ?? '').trim();
}

/**
 * Picks the new image for one component: the inner loop's pushes in okd.devRepository (this component's newest
 * first), the same component in other loaded releases, or any pullspec typed into the box. Undefined when dismissed.
 */
export async function pickReplacementImage(services: Services, source: Release, component: Component, step: { step: number; total: number }): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<ImageItem>();
  pick.title = `Create Custom Release: new image for ${component.name}`;
  pick.step = step.step;
  pick.totalSteps = step.total;
  pick.placeholder = 'Pick an image pushed by Build, Push & Patch, or type a pullspec (quay.io/me/operator:dev)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.ignoreFocusOut = true;
  let items: ImageItem[] = [];
  const seen = new Set<string>([component.pullSpec]);
  const add = (list: ImageItem[]) => {
    for (const item of list) {
      if (seen.has(item.pullSpec)) continue;
      seen.add(item.pullSpec);
      items.push(item);
    }
    pick.items = items;
  };
  for (const release of services.library.releases()) {
    const other = release.components.find((c) => c.name === component.name);
    if (!other || other.digest === component.digest || release.pullSpec === source.pullSpec) continue;
    add([{ pullSpec: other.pullSpec, label: `$(versions) ${component.name} of ${release.version}`, description: other.digest.slice(0, 19), detail: other.pullSpec }]);
  }

  const devRepository = devRepositorySetting();
  const cts = new vscode.CancellationTokenSource();
  if (devRepository) {
    pick.busy = true;
    void (async () => {
      try {
        const ref = parsePullspec(devRepository);
        const tags = await services.registry().listTags(ref.registry, ref.repository, {}, cts.token);
        const choices = devImageChoices(devRepository, tags, component.name);
        items = [
          ...choices.map((c) => ({
            pullSpec: c.pullSpec,
            label: `$(package) ${c.tag}`,
            description: c.matches ? `built from ${component.name}${c.dev?.dirty ? ', with local changes' : ''}` : c.dev ? `built from ${c.dev.component}` : '',
            detail: c.pullSpec,
          })),
          ...items,
        ];
        pick.items = items;
        if (!choices.length) pick.placeholder = `${devRepository} has no images yet; type a pullspec`;
      } catch (err) {
        services.logger.warn(`custom release: listing ${devRepository}: ${describeError(err)}`);
        pick.placeholder = `Could not list ${devRepository} (${describeError(err)}); type a pullspec`;
      } finally {
        pick.busy = false;
      }
    })();
  } else {
    pick.placeholder = 'Type a pullspec (set okd.devRepository to pick the images Build, Push & Patch pushed)';
  }
  pick.items = items;

  return choosePullspec(pick, () => items, () => {
    cts.cancel();
    cts.dispose();
  });
}

interface ComponentItem extends vscode.QuickPickItem {
  component: Component;
}

/** Multi-select of the release's components to replace; operators (their images carry manifests) first. */
export async function pickComponents(release: Release, preselect: string | undefined): Promise<Component[] | undefined> {
  const operatorNames = new Set(release.operators.map((o) => o.name));
  const sorted = [...release.components].sort((a, b) => Number(operatorNames.has(b.name)) - Number(operatorNames.has(a.name)) || a.name.localeCompare(b.name));
  const items: ComponentItem[] = sorted.map((c) => ({
    component: c,
    label: c.name,
    description: `${c.digest.slice(0, 19)}${c.override ? ' · override' : ''}`,
    detail: c.source ? `${c.source.replace(/^https:\/\/github\.com\//, '')}${c.commit ? ` @ ${c.commit.slice(0, 7)}` : ''}` : c.pullSpec,
    picked: c.name === preselect,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Create Custom Release from ${release.version}: components to replace`,
    placeHolder: 'Pick the components whose image you replace',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  return picked?.length ? picked.map((p) => p.component) : undefined;
}

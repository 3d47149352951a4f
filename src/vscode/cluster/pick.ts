import vscode = require('vscode');
import { findOperatorWorkload, type OperatorTarget, patchableWorkloads } from '../../core/cluster/operator';
import { tryParsePullspec } from '../../core/pullspec';
import type { Release } from '../../core/release/model';
import { CancelledError } from '../../core/cancel';
import type { Services } from '../services';

const RECENT_KEY = 'okd.cluster.recentImages';
const RECENT_MAX = 10;

/** Images patched in (or pushed by other features) lately, newest first. */
export function recentImages(services: Services): string[] {
  return services.context.globalState.get<string[]>(RECENT_KEY, []);
}

export async function rememberImage(services: Services, image: string): Promise<void> {
  const list = [image, ...recentImages(services).filter((i) => i !== image)].slice(0, RECENT_MAX);
  await services.context.globalState.update(RECENT_KEY, list);
}

/**
 * Every Deployment and DaemonSet of the payload that can be patched, named as `okd-dev cluster patch` names it:
 * the component when it finds exactly that workload, else NAMESPACE/NAME (KIND/NAMESPACE/NAME when both kinds
 * have that name).
 */
export function patchableOperators(release: Release): OperatorTarget[] {
  const out: OperatorTarget[] = [];
  const seen = new Set<string>();
  for (const workload of patchableWorkloads(release)) {
    const key = `${workload.namespace}/${workload.name}`;
    const kindKey = `${workload.kind.toLowerCase()}/${key}`;
    if (seen.has(kindKey)) continue;
    seen.add(kindKey);
    const component = workload.containers.find((c) => !c.init && c.component)?.component;
    let target: OperatorTarget | undefined;
    for (const name of component ? [component, key, kindKey] : [key, kindKey]) {
      try {
        const found = findOperatorWorkload(release, name);
        if (found.kind === workload.kind && found.namespace === workload.namespace && found.name === workload.name) {
          target = found;
          break;
        }
      } catch {
        // not patchable under this name; try the next
      }
    }
    if (target) out.push(target);
  }
  return out.sort((a, b) => a.operator.localeCompare(b.operator));
}

export async function pickOperator(release: Release, placeHolder: string): Promise<OperatorTarget> {
  const items = patchableOperators(release).map((target) => ({
    label: target.operator,
    description: `${target.kind === 'Deployment' ? '' : `${target.kind} `}${target.namespace}/${target.name}`,
    detail: target.containers.map((c) => `${c.name}: ${c.image}`).join(', '),
    target,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: `Operators of release ${release.version}`, placeHolder, matchOnDescription: true, ignoreFocusOut: true });
  if (!picked) throw new CancelledError('picking the operator');
  return picked.target;
}

export function validatePullspec(text: string): string | undefined {
  if (!text.trim()) return 'an image pullspec, like quay.io/me/my-operator:dev or ...@sha256:...';
  return tryParsePullspec(text.trim()) ? undefined : `"${text.trim()}" is not an image pullspec`;
}

/** An image a caller offers first (the Release Explorer row's own image), with what it is. */
export interface SuggestedImage {
  image: string;
  description: string;
}

/** A suggested image, a recent one, or one typed (validated as a pullspec). */
export async function pickImage(services: Services, target: Pick<OperatorTarget, 'operator'> & { containers: readonly { image?: string }[] }, suggested: readonly SuggestedImage[] = []): Promise<string> {
  const offered = new Set(suggested.map((s) => s.image));
  const recent = recentImages(services).filter((i) => !offered.has(i));
  const typeOne = { label: '$(edit) Type an image pullspec...', image: undefined as string | undefined };
  let image: string | undefined;
  if (recent.length || suggested.length) {
    const choices = [...suggested.map((s) => ({ label: s.image, description: s.description, image: s.image as string | undefined })), ...recent.map((i) => ({ label: i, description: 'recent', image: i as string | undefined }))];
    const picked = await vscode.window.showQuickPick([...choices, typeOne], {
      title: `Image to run as ${target.operator}`,
      placeHolder: suggested.length ? 'The image to run, or type one' : 'A recently used image, or type one',
      ignoreFocusOut: true,
    });
    if (!picked) throw new CancelledError('picking the image');
    image = picked.image;
  }
  if (!image) {
    image = await vscode.window.showInputBox({
      title: `Image to run as ${target.operator}`,
      prompt: `Runs now: ${target.containers[0]?.image ?? 'unknown'}`,
      placeHolder: 'quay.io/me/my-operator:dev',
      validateInput: validatePullspec,
      ignoreFocusOut: true,
    });
    if (!image) throw new CancelledError('typing the image');
  }
  return image.trim();
}

import { OkdError } from '../../../core/errors';
import type { Component, Operator, Release } from '../../../core/release/model';
import { asNode } from '../args';
import type { ReleaseExplorer } from '../explorer';
import { operatorComponent } from '../operatorRows';

/** The operator (or image) a row command is about, and the payload component it runs as. */
export interface OperatorArgument {
  release: Release;
  /** Absent for an image row whose component no operator of the release runs. */
  operator?: Operator;
  component: Component;
}

/**
 * An operator, image or container row (what a menu passes), `{release: pullspec, operator?: name, component?: name}` (tests,
 * other commands), else the selected row. `title` names the command in the error when it is none of these.
 */
export async function operatorArgument(explorer: ReleaseExplorer, arg: unknown, title: string): Promise<OperatorArgument> {
  const node = asNode(arg) ?? explorer.view.selection[0];
  if (node?.kind === 'operator') {
    const component = operatorComponent(node.release, node.operator);
    if (!component) throw new OkdError('not-found', `operator ${node.operator.name} of release ${node.release.version} runs no image of the release`, 'its manifests deploy no Deployment or DaemonSet');
    return { release: node.release, operator: node.operator, component };
  }
  if (node?.kind === 'image') return { release: node.release, ...withOperator(node.release, node.component), component: node.component };
  if (node?.kind === 'container') {
    const name = node.container.component;
    const component = name ? node.release.components.find((c) => c.name === name) : undefined;
    if (!component) throw new OkdError('not-found', `container ${node.container.name} runs ${node.container.image}, which is not an image of release ${node.release.version}`);
    return { release: node.release, ...withOperator(node.release, component), component };
  }
  if (!asNode(arg) && typeof arg === 'object' && arg !== null && typeof (arg as { release?: unknown }).release === 'string') {
    const { release: pullSpec, operator: operatorName, component: componentName } = arg as { release: string; operator?: unknown; component?: unknown };
    const release = await explorer.loadRelease(pullSpec);
    const operator = typeof operatorName === 'string' ? release.operators.find((o) => o.name === operatorName) : undefined;
    if (typeof operatorName === 'string' && !operator) throw new OkdError('not-found', `release ${release.version} has no operator named ${operatorName}`);
    const component = operator ? operatorComponent(release, operator) : release.components.find((c) => c.name === componentName);
    if (!component) throw new OkdError('not-found', `release ${release.version} has no image named ${String(componentName ?? operatorName)}`);
    return { release, ...(operator ? { operator } : withOperator(release, component)), component };
  }
  throw new OkdError('invalid-input', `${title} works on an operator row of the Release Explorer`);
}

function withOperator(release: Release, component: Component): { operator?: Operator } {
  const operator = release.operators.find((o) => operatorComponent(release, o)?.name === component.name);
  return operator ? { operator } : {};
}

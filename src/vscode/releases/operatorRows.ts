// What an operator row of the Release Explorer offers (Patch into Cluster, Build, Push & Patch, Open Source
// Repository, Show in Cluster View), as pure functions of the release model: no vscode import, so unit tests and
// the workspace awareness use them too.
import { githubRepoUrl } from '../../core/release/imageReferences';
import type { Component, Operator, Release, Workload } from '../../core/release/model';

/** The contextValue of every operator row starts with this; menus match `viewItem =~ /^okd\.operator/`. */
export const OPERATOR_ROW_CONTEXT = 'okd.operator';

/**
 * The context key the workspace awareness sets: the contextValues of the operator rows an open checkout builds,
 * for `viewItem in okd.workspace.operatorRows` (Build, Push & Patch).
 */
export const WORKSPACE_OPERATOR_ROWS_KEY = 'okd.workspace.operatorRows';

/** The workloads an operator row stands for: its Deployments and DaemonSets (what a patch changes). */
export function patchableWorkloadsOf(operator: Operator): Workload[] {
  return operator.deployments.filter((w) => w.kind === 'Deployment' || w.kind === 'DaemonSet');
}

/**
 * The payload component the operator runs as: the component of the first (non-init) container of its
 * Deployments, then DaemonSets, else the component named like the operator. Undefined when none is an image of
 * the release (an operator made of manifests only).
 */
export function operatorComponent(release: Release, operator: Operator): Component | undefined {
  const byName = (name: string | undefined) => (name ? release.components.find((c) => c.name === name) : undefined);
  const workloads = patchableWorkloadsOf(operator).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'Deployment' ? -1 : 1));
  for (const w of workloads) {
    const hit = byName(w.containers.find((c) => !c.init && c.component)?.component);
    if (hit) return hit;
  }
  return byName(operator.name);
}

/** `okd.operator.<component>`: the row's contextValue, so `viewItem in okd.workspace.operatorRows` can match it. */
export function operatorRowContext(component: string | undefined): string {
  return component ? `${OPERATOR_ROW_CONTEXT}.${component}` : OPERATOR_ROW_CONTEXT;
}

/** The value of okd.workspace.operatorRows for the components the open checkouts build. */
export function builtOperatorRows(components: readonly string[]): string[] {
  return [...new Set(components)].map(operatorRowContext);
}

/**
 * The component's source repository (`io.openshift.build.source-location`) at its commit: `<repo>/tree/<commit>` on
 * GitHub, the repository itself without a commit or elsewhere (an http(s) address only). Undefined when the image
 * carries no usable source location.
 */
export function sourceRepositoryUrl(component: Pick<Component, 'source' | 'commit'>): string | undefined {
  const source = component.source.trim();
  const github = githubRepoUrl(source);
  if (github) return component.commit ? `${github}/tree/${component.commit}` : github;
  return /^https?:\/\/[^\s/]+/.test(source) ? source.replace(/\.git$/, '') : undefined;
}

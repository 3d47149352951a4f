import type { Component, Release } from '../release/model';
import { type GitRemote, normalizeRemoteUrl } from './remotes';

/** Where a component runs: a container of a workload of one of the payload's operators. */
export interface ComponentPlacement {
  /** The CVO operator (manifest prefix) whose manifests define the workload. */
  operator: string;
  kind: string;
  namespace: string;
  name: string;
  container: string;
}

/** "This repository builds component X, which runs as Deployment/container Y in namespace Z." */
export interface WorkspaceComponent {
  component: string;
  /** The payload's image of the component (a digest pullspec). */
  pullSpec: string;
  /** The commit the payload's image was built from. */
  commit: string;
  /** `io.openshift.build.source-location` of the component. */
  source: string;
  /** The workspace remote that matched. */
  remote: GitRemote;
  /** Containers running the component's image; Deployments first. */
  placements: ComponentPlacement[];
}

function placementsOf(release: Release, component: string): ComponentPlacement[] {
  const out: ComponentPlacement[] = [];
  for (const operator of release.operators) {
    for (const workload of operator.deployments) {
      for (const container of workload.containers) {
        if (container.init || container.component !== component) continue;
        out.push({ operator: operator.name, kind: workload.kind, namespace: workload.namespace, name: workload.name, container: container.name });
      }
    }
  }
  return out.sort((a, b) => Number(b.kind === 'Deployment') - Number(a.kind === 'Deployment') || Number(b.name === component) - Number(a.name === component));
}

/** Remote names in the order they are trusted to say what the checkout is (a fork's origin comes after upstream). */
function remoteRank(name: string): number {
  return name === 'upstream' ? 0 : name === 'origin' ? 1 : 2;
}

/**
 * The payload components this checkout builds: those whose source location is one of its remotes. Best first:
 * components running in a Deployment, then the one named like the repository, then by name. Pure.
 */
export function matchWorkspace(remotes: GitRemote[], release: Release): WorkspaceComponent[] {
  const byUrl = new Map<string, GitRemote>();
  for (const remote of [...remotes].sort((a, b) => remoteRank(a.name) - remoteRank(b.name))) {
    const key = normalizeRemoteUrl(remote.url);
    if (key && !byUrl.has(key)) byUrl.set(key, remote);
  }
  const out: WorkspaceComponent[] = [];
  for (const component of release.components) {
    const remote = component.source ? byUrl.get(normalizeRemoteUrl(component.source)) : undefined;
    if (!remote) continue;
    out.push({ component: component.name, pullSpec: component.pullSpec, commit: component.commit, source: component.source, remote, placements: placementsOf(release, component.name) });
  }
  const repoName = (c: WorkspaceComponent) => normalizeRemoteUrl(c.source).split('/').pop() ?? '';
  const runs = (c: WorkspaceComponent) => Number(c.placements.some((p) => p.kind === 'Deployment'));
  return out.sort((a, b) => runs(b) - runs(a) || Number(b.component === repoName(b)) - Number(a.component === repoName(a)) || a.component.localeCompare(b.component));
}

/** Components whose source location has the same repository name on another owner (a fork or a rename): for hints. */
export function nearMisses(remotes: GitRemote[], components: Component[]): Component[] {
  const names = new Set(remotes.map((r) => normalizeRemoteUrl(r.url).split('/').pop()).filter(Boolean));
  return components.filter((c) => c.source && names.has(normalizeRemoteUrl(c.source).split('/').pop()));
}

/** One line for people: "cluster-image-registry-operator runs as Deployment openshift-image-registry/cluster-image-registry-operator, container ...". */
export function describeWorkspaceComponent(match: WorkspaceComponent): string {
  const where = match.placements
    .map((p) => `${p.kind} ${p.namespace}/${p.name} (container ${p.container})`)
    .join(', ');
  return `this workspace builds ${match.component}${where ? `, which runs as ${where}` : ', which runs in no workload of the payload'}`;
}

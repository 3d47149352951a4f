import { OkdError } from '../errors';
import type { Release, Workload, WorkloadContainer } from '../release/model';
import type { PatchableKind } from './types';
import { parseWorkloadRef } from './workloads';

/** An operator's workload as the payload defines it: its kind, where it is and which containers run the operator image. */
export interface OperatorTarget {
  /** What the user named: the component (`cluster-image-registry-operator`), `namespace/name` or `kind/namespace/name`. */
  operator: string;
  /** Deployment, or DaemonSet (an operator or operand that runs on every node). */
  kind: PatchableKind;
  /** The payload component of the patched containers, when they run one. */
  component?: string;
  namespace: string;
  name: string;
  /** Containers (not init containers) to set the new image on, with the payload's image for each. */
  containers: { name: string; image: string }[];
}

function target(operator: string, workload: Workload, containers: WorkloadContainer[]): OperatorTarget {
  const component = containers[0]?.component;
  return {
    operator,
    kind: workload.kind as PatchableKind,
    ...(component ? { component } : {}),
    namespace: workload.namespace,
    name: workload.name,
    containers: containers.map((c) => ({ name: c.name, image: c.image })),
  };
}

/** The payload's workloads okd-dev can patch: Deployments and DaemonSets. */
export function patchableWorkloads(release: Release): Workload[] {
  return release.operators.flatMap((o) => o.deployments).filter((w) => w.kind === 'Deployment' || w.kind === 'DaemonSet');
}

const refOf = (w: { kind: string; namespace: string; name: string }) => `${w.kind.toLowerCase()}/${w.namespace}/${w.name}`;

/**
 * Finds the workload to patch in the cluster's current payload: `namespace/name` names a Deployment or DaemonSet
 * (`deployment/namespace/name` or `daemonset/namespace/name` when the payload has both); a component name finds
 * the workload whose containers run that component's image: the one named like the component, else its only
 * Deployment (the operator; DaemonSets running the same image are its operands), else its only DaemonSet.
 */
export function findOperatorWorkload(release: Release, operator: string): OperatorTarget {
  const workloads = patchableWorkloads(release);
  if (operator.includes('/')) {
    const ref = parseWorkloadRef(operator);
    if (!ref) throw new OkdError('invalid-input', `"${operator}" is neither a component name, NAMESPACE/NAME, deployment/NAMESPACE/NAME nor daemonset/NAMESPACE/NAME`);
    const matches = workloads.filter((w) => w.namespace === ref.namespace && w.name === ref.name && (!ref.kind || w.kind === ref.kind));
    const what = ref.kind ?? 'Deployment or DaemonSet';
    if (!matches.length) {
      throw new OkdError('not-found', `release ${release.version} has no ${what} ${ref.namespace}/${ref.name}`, 'name a Deployment or DaemonSet of the payload (`okd-dev release info --operators` lists them)');
    }
    if (matches.length > 1) throw new OkdError('invalid-input', `release ${release.version} has both ${matches.map(refOf).join(' and ')}`, 'name one with its kind');
    const workload = matches[0] as Workload;
    const main = workload.containers.filter((c) => !c.init);
    const byComponent = main.filter((c) => c.component && (c.component === ref.name || c.references.some((r) => r.field === 'env:OPERATOR_IMAGE' && r.component === c.component)));
    const chosen = byComponent.length ? byComponent : main.length === 1 ? main : main.filter((c) => c.component).slice(0, 1);
    if (!chosen.length) throw new OkdError('not-found', `${workload.kind} ${ref.namespace}/${ref.name} has no container running a payload image`);
    return target(operator, workload, chosen);
  }
  const component = release.components.find((c) => c.name === operator);
  if (!component) {
    const operators = release.components.filter((c) => workloads.some((w) => w.containers.some((x) => x.component === c.name))).map((c) => c.name);
    throw new OkdError(
      'not-found',
      `release ${release.version} has no component "${operator}"`,
      operators.length ? `components with a Deployment or DaemonSet: ${operators.slice(0, 12).join(', ')}${operators.length > 12 ? ', ...' : ''}` : 'name the workload as NAMESPACE/NAME',
    );
  }
  const hits = workloads
    .map((workload) => ({ workload, containers: workload.containers.filter((c) => !c.init && c.component === operator) }))
    .filter((hit) => hit.containers.length > 0);
  if (hits.length === 0) {
    throw new OkdError('not-found', `no Deployment or DaemonSet of release ${release.version} runs the ${operator} image`, 'name the workload as NAMESPACE/NAME');
  }
  let hit = hits[0] as (typeof hits)[number];
  if (hits.length > 1) {
    const named = hits.filter((h) => h.workload.name === operator);
    const deployments = hits.filter((h) => h.workload.kind === 'Deployment');
    const daemonSets = hits.filter((h) => h.workload.kind === 'DaemonSet');
    const chosen = named.length === 1 ? named : deployments.length === 1 ? deployments : deployments.length === 0 && daemonSets.length === 1 ? daemonSets : [];
    if (chosen.length !== 1) {
      throw new OkdError('invalid-input', `the ${operator} image runs in several workloads: ${hits.map((h) => refOf(h.workload)).join(', ')}`, 'name one as KIND/NAMESPACE/NAME');
    }
    hit = chosen[0] as (typeof hits)[number];
  }
  return target(operator, hit.workload, hit.containers);
}

/** The older name: it finds DaemonSets too now. */
export const findOperatorDeployment = findOperatorWorkload;

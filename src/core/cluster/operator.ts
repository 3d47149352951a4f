import { OkdError } from '../errors';
import type { Release, Workload, WorkloadContainer } from '../release/model';

/** An operator's Deployment as the payload defines it: where it is and which containers run the operator image. */
export interface OperatorTarget {
  /** What the user named: the component (`cluster-image-registry-operator`) or `namespace/deployment`. */
  operator: string;
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
    ...(component ? { component } : {}),
    namespace: workload.namespace,
    name: workload.name,
    containers: containers.map((c) => ({ name: c.name, image: c.image })),
  };
}

function deploymentsOf(release: Release): Workload[] {
  return release.operators.flatMap((o) => o.deployments).filter((w) => w.kind === 'Deployment');
}

/**
 * Finds the Deployment to patch in the cluster's current payload: `namespace/name` names it; a component name
 * finds the Deployment whose containers run that component's image (the operator's own Deployment).
 */
export function findOperatorDeployment(release: Release, operator: string): OperatorTarget {
  const deployments = deploymentsOf(release);
  if (operator.includes('/')) {
    const [namespace, name, extra] = operator.split('/');
    if (!namespace || !name || extra !== undefined) throw new OkdError('invalid-input', `"${operator}" is neither a component name nor NAMESPACE/DEPLOYMENT`);
    const workload = deployments.find((w) => w.namespace === namespace && w.name === name);
    if (!workload) {
      throw new OkdError('not-found', `release ${release.version} has no Deployment ${namespace}/${name}`, 'name a Deployment of the payload (`okd-dev release info --operators` lists them)');
    }
    const main = workload.containers.filter((c) => !c.init);
    const byComponent = main.filter((c) => c.component && (c.component === name || c.references.some((r) => r.field === 'env:OPERATOR_IMAGE' && r.component === c.component)));
    const chosen = byComponent.length ? byComponent : main.length === 1 ? main : main.filter((c) => c.component).slice(0, 1);
    if (!chosen.length) throw new OkdError('not-found', `Deployment ${namespace}/${name} has no container running a payload image`);
    return target(operator, workload, chosen);
  }
  const component = release.components.find((c) => c.name === operator);
  if (!component) {
    const operators = release.components.filter((c) => deployments.some((w) => w.containers.some((x) => x.component === c.name))).map((c) => c.name);
    throw new OkdError(
      'not-found',
      `release ${release.version} has no component "${operator}"`,
      operators.length ? `components with a Deployment: ${operators.slice(0, 12).join(', ')}${operators.length > 12 ? ', ...' : ''}` : 'name the Deployment as NAMESPACE/NAME',
    );
  }
  const hits = deployments
    .map((workload) => ({ workload, containers: workload.containers.filter((c) => !c.init && c.component === operator) }))
    .filter((hit) => hit.containers.length > 0);
  if (hits.length === 0) {
    throw new OkdError('not-found', `no Deployment of release ${release.version} runs the ${operator} image`, 'name the Deployment as NAMESPACE/NAME');
  }
  if (hits.length > 1) {
    const own = hits.filter((hit) => hit.workload.name === operator);
    if (own.length !== 1) {
      throw new OkdError('invalid-input', `the ${operator} image runs in several Deployments: ${hits.map((h) => `${h.workload.namespace}/${h.workload.name}`).join(', ')}`, 'name one as NAMESPACE/NAME');
    }
    hits.splice(0, hits.length, own[0] as (typeof hits)[number]);
  }
  const hit = hits[0] as (typeof hits)[number];
  return target(operator, hit.workload, hit.containers);
}

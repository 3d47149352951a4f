import { findOperatorWorkload } from '../../../core/cluster/operator';
import type { PatchableKind } from '../../../core/cluster/types';
import { parseWorkloadRef } from '../../../core/cluster/workloads';
import { pickOperator } from '../pick';
import type { LogTarget } from '../podLogs';
import { withClusterProgress } from '../progress';
import { type ClusterCommand, nodeArg, optionsArg, stringOption } from './types';

/**
 * okd.showOperatorLogs: follows the log of an operator's pod into `OKD: <operator> logs` until cancelled. From a
 * patched row, `{operator}` (component, NAMESPACE/NAME or daemonset/NAMESPACE/NAME), `{kind?, namespace, name}`, or a QuickPick of the
 * payload's operators. `{follow: false}` reads what is there and returns {pod, container, channel, lines}.
 */
export const showOperatorLogs: ClusterCommand = {
  id: 'okd.showOperatorLogs',
  async run({ services, model, logs }, arg) {
    const options = optionsArg(arg);
    const node = nodeArg(arg);
    const client = await model.connected();
    let target: LogTarget | undefined;
    if (node?.kind === 'patched') target = { operator: node.patched.operator, kind: node.patched.kind, namespace: node.patched.namespace, name: node.patched.name };
    const namespace = stringOption(options, 'namespace');
    const name = stringOption(options, 'name');
    const kind = stringOption(options, 'kind') === 'DaemonSet' ? ('DaemonSet' as PatchableKind) : undefined;
    if (!target && namespace && name) target = { operator: stringOption(options, 'operator') ?? `${namespace}/${name}`, ...(kind ? { kind } : {}), namespace, name };
    const named = stringOption(options, 'operator') ?? (typeof arg === 'string' ? arg : undefined);
    const ref = named ? parseWorkloadRef(named) : undefined;
    if (!target && named && ref) target = { operator: named, ...(ref.kind ? { kind: ref.kind } : {}), namespace: ref.namespace, name: ref.name };
    if (!target) {
      const image = model.status?.release?.image ?? (await client.getClusterVersion()).status?.desired?.image;
      const release = image ? (services.library.get(image) ?? (await withClusterProgress(`Reading release ${image}`, (_r, token) => services.library.load(image, token)))) : undefined;
      if (!release) throw new Error('the cluster has no current release to pick an operator from');
      const found = named ? findOperatorWorkload(release, named) : await pickOperator(release, 'The operator whose log to follow');
      target = { operator: found.operator, kind: found.kind, namespace: found.namespace, name: found.name };
    }
    const chosen = target;
    const follow = options?.['follow'] !== false;
    const container = stringOption(options, 'container');
    return withClusterProgress(`${follow ? 'Following' : 'Reading'} the log of ${chosen.operator}`, (report, token) =>
      logs.follow(client, chosen, { follow, ...(container ? { container } : {}), token, report }),
    );
  },
};

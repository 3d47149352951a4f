import { findOperatorWorkload } from '../../core/cluster/operator';
import { readClusterRelease } from '../../core/cluster/patch';
import { checkPullAccess, checkWorkloadPullAccess, type PullAccess } from '../../core/cluster/pullAccess';
import { pullSecretKeyFor } from '../../core/cluster/pullSecretGlobal';
import { describeWorkload } from '../../core/cluster/workloads';
import { OkdError } from '../../core/errors';
import { outputFormat, parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect, interruptToken } from './clusterConnect';

const usage = `Usage: okd-dev cluster can-pull IMAGE [--namespace NS] [--service-account SA] [-o json]
       okd-dev cluster can-pull IMAGE COMPONENT [-o json]

Says whether the cluster could pull IMAGE for a pod, the way its kubelet would: with the pod's pull secrets (the
ServiceAccount's imagePullSecrets, or the pod template's own), then the global pull secret
openshift-config/pull-secret, each credential whose key matches the image tried against the registry; anonymously
only when none matches. COMPONENT (a payload component, NAMESPACE/NAME or KIND/NAMESPACE/NAME) takes the namespace,
ServiceAccount and pull secrets of that workload's pods. Nothing in the cluster changes. Exits 1 when the cluster
could not pull the image, with the registry's answer.

Options:
  -n, --namespace NS           the pod's namespace (default: default)
      --service-account SA     the ServiceAccount the pod runs as (default: default)
  -o, --output FORMAT          json: the whole result
  -a, --registry-config FILE, --insecure, --ca-file FILE, --filter-by-os OS/ARCH   registry options

${clusterOptionsUsage}`;

function render(access: PullAccess, who: string): string {
  const lines = access.ok
    ? [`The cluster can pull ${access.image} for ${who}: via ${access.via}${access.key ? ` (key ${access.key})` : ''}`]
    : [`The cluster cannot pull ${access.image} for ${who}: ${access.reason}`];
  for (const a of access.attempts) lines.push(`  ${a.via}${a.key ? ` (key ${a.key})` : ''}: ${a.reason ?? 'accepted'}`);
  for (const note of access.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export async function clusterPullAccess(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...clusterOptions, namespace: { type: 'string', short: 'n' }, 'service-account': { type: 'string' }, output: { type: 'string', short: 'o' } },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length < 1) throw new UsageError('missing IMAGE', usage);
  if (positionals.length > 2) throw new UsageError(`unexpected argument '${positionals[2]}'`, usage);
  const [image, component] = positionals as [string, string | undefined];
  if (component && (values.namespace !== undefined || values['service-account'] !== undefined)) {
    throw new UsageError('give either COMPONENT or --namespace/--service-account, not both', usage);
  }
  const format = outputFormat(values.output, usage);
  const { client, context } = await connect(values);
  const registry = { insecure: values.insecure ?? false, ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}), logger: context.logger };
  const interrupt = interruptToken();
  try {
    let access: PullAccess;
    let who: string;
    if (component) {
      context.progress('reading the cluster release...');
      const { release } = await readClusterRelease(client, { registry: context.registry, cache: context.cache, ...(context.platform ? { platform: context.platform } : {}), token: interrupt.token });
      const target = findOperatorWorkload(release, component);
      context.progress(`checking pull access for ${describeWorkload(target.kind, target.namespace, target.name)}...`);
      const result = await checkWorkloadPullAccess(client, registry, { image, kind: target.kind, namespace: target.namespace, name: target.name, token: interrupt.token });
      access = result;
      who = `the pods of ${describeWorkload(target.kind, target.namespace, target.name)} (ServiceAccount ${result.serviceAccount})`;
    } else {
      const namespace = values.namespace ?? 'default';
      const serviceAccount = values['service-account'] ?? 'default';
      context.progress('checking pull access...');
      access = await checkPullAccess(client, registry, { image, namespace, serviceAccount, token: interrupt.token });
      who = `pods in ${namespace} running as ${serviceAccount}`;
    }
    context.progress('');
    process.stdout.write(format === 'json' ? `${JSON.stringify(access, null, 2)}\n` : render(access, who));
    if (!access.ok) {
      throw new OkdError(
        access.kind,
        `the cluster cannot pull ${access.image} for ${who} (tried ${access.tried.join(', ')})`,
        `add your credentials for ${pullSecretKeyFor(access.image)} to the global pull secret or a pull secret of the ServiceAccount, or push the image where the cluster can pull it`,
      );
    }
  } finally {
    context.progress('');
    interrupt.dispose();
  }
}

import { readClusterStatus, renderClusterStatus } from '../../core/cluster/status';
import { outputFormat, parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect } from './clusterConnect';

const usage = `Usage: okd-dev cluster status [-o json] [--kubeconfig FILE] [--context NAME]

Shows the cluster of the kubeconfig context: server, current release and history, ClusterVersion conditions,
overrides (those okd-dev added are marked), operators patched by okd-dev with their running image, env edits and
rollout state, operands patched by okd-dev (each object edited, its override, every edit payload -> patched, the
rollouts of the operators and of the operand's own workloads), and every cluster operator with
Available/Progressing/Degraded.

${clusterOptionsUsage}`;

export async function clusterStatus(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { ...clusterOptions, output: { type: 'string', short: 'o' } }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, usage);
  const format = outputFormat(values.output, usage);
  const { client } = await connect(values);
  const status = await readClusterStatus(client);
  process.stdout.write(format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : renderClusterStatus(status));
}

import { formatOverride } from '../../core/cluster/overrides';
import { describeRestoredObject, type RestoredOperand } from '../../core/cluster/operandRestore';
import { describeRestoreOutcome, type RestoredOperator } from '../../core/cluster/restore';
import { describeWorkload } from '../../core/cluster/workloads';
import { restoreAllAndManifests, restoreComponentAndManifests } from '../../core/manifests/componentRestore';
import { describeRestoredManifests } from '../../core/manifests/undo';
import { parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect, interruptToken } from './clusterConnect';
import { timeoutOption } from './clusterPatch';

const usage = `Usage: okd-dev cluster restore OPERATOR [--no-wait] [--timeout SECONDS]
       okd-dev cluster restore --all [--no-wait] [--timeout SECONDS]

Puts a patched operator back to its payload: removes the override, waits until the cluster-version operator has
put the payload's Deployment or DaemonSet back and it has rolled out, and removes okd-dev's record from it.
--all restores every operator okd-dev patched (from any machine: the record is on the workloads); overrides
okd-dev did not create are listed and left alone. A component patched as an operand gets every object its patch
edited back (the operators' Deployments and ConfigMaps), then its operators' and its own rollouts are waited for.
The objects okd-dev applied from the component's manifests/ (\`dev loop\`, \`apply-manifests\`) go back first, as
\`okd-dev cluster restore-manifests\` does.

${clusterOptionsUsage}`;

function describe(r: RestoredOperator): string {
  const images = Object.entries(r.images).map(([c, image]) => `  container ${c}: ${image}`);
  const how = describeRestoreOutcome(r);
  return [`Restored ${r.operator}: ${describeWorkload(r.kind, r.namespace, r.name)} (${how}${r.verified ? ', rolled out' : ''})`, ...images].join('\n');
}

function describeOperand(r: RestoredOperand): string {
  return [
    `Restored ${r.component}: ${r.objects.length} object(s) back to the payload (${r.image})${r.verified ? ', rolled out' : ''}`,
    ...r.objects.map((o) => `  ${describeRestoredObject(o)}`),
    ...r.operands.map((o) => `  operand ${o} runs the payload image again`),
  ].join('\n');
}

export async function clusterRestore(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { ...clusterOptions, all: { type: 'boolean' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' } }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (values.all ? positionals.length > 0 : positionals.length !== 1) {
    throw new UsageError(values.all ? '--all takes no OPERATOR' : positionals.length ? `unexpected argument '${positionals[1]}'` : 'missing OPERATOR (or --all)', usage);
  }
  const timeoutMs = timeoutOption(values.timeout, usage);
  const { client, context } = await connect(values);
  const interrupt = interruptToken();
  const options = {
    registry: context.registry,
    cache: context.cache,
    ...(context.platform ? { platform: context.platform } : {}),
    token: interrupt.token,
    wait: !values['no-wait'],
    timeoutMs,
    onStep: (message: string) => context.progress(`${message}...`),
    onProgress: (progress: { message: string }) => context.progress(`rollout: ${progress.message}`),
  };
  try {
    if (values.all) {
      const result = await restoreAllAndManifests(client, options);
      context.progress('');
      for (const m of result.manifests) process.stdout.write(`${describeRestoredManifests(m)}\n`);
      if (!result.restored.length && !result.operands.length) process.stdout.write('No operators patched by okd-dev.\n');
      for (const r of result.operands) process.stdout.write(`${describeOperand(r)}\n`);
      for (const r of result.restored) process.stdout.write(`${describe(r)}\n`);
      if (result.otherOverrides.length) {
        process.stdout.write(`Left in place (not created by okd-dev): ${result.otherOverrides.map(formatOverride).join(', ')}\n`);
        process.stdout.write('Remove one with: okd-dev cluster override remove TYPE/NAMESPACE/NAME\n');
      }
      return;
    }
    const { manifests, restored } = await restoreComponentAndManifests(client, positionals[0] as string, options);
    context.progress('');
    if (manifests) process.stdout.write(`${describeRestoredManifests(manifests)}\n`);
    if (restored) process.stdout.write(`${'operand' in restored ? describeOperand(restored.operand) : describe(restored.operator)}\n`);
  } finally {
    interrupt.dispose();
  }
}

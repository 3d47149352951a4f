import { DEFAULT_UPGRADE_TIMEOUT_MS, upgradeCluster, type UpgradeResult } from '../../core/cluster/upgrade';
import { outputFormat, parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect, interruptToken } from './clusterConnect';
import { timeoutOption } from './clusterPatch';

const usage = `Usage: okd-dev cluster upgrade --to-image PULLSPEC [--no-wait] [--timeout SECONDS] [-o json]

Runs the release payload PULLSPEC on the cluster, like \`oc adm upgrade --to-image PULLSPEC
--allow-explicit-upgrade --force\`: reads the payload (its version, and its digest when given a tag), sets
the ClusterVersion's spec.desiredUpdate to {image: <digest pullspec>, force: true, version: ""}, then follows
the ClusterVersion until the cluster reports the new version (history Completed for the image).
--force skips the signature check a custom payload (okd-dev release new) cannot pass.

Options:
      --to-image PULLSPEC      the release payload, by digest or tag
      --no-wait                set the update and return
      --timeout SECONDS        how long to wait for the cluster (default 10800: an OKD upgrade takes 60-120 minutes)
  -o, --output json            print the result as JSON
  -a, --registry-config FILE, --insecure, --ca-file FILE, --filter-by-os OS/ARCH   registry options

${clusterOptionsUsage}`;

export async function clusterUpgrade(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...clusterOptions, 'to-image': { type: 'string' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' }, output: { type: 'string', short: 'o' } },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, usage);
  const image = values['to-image']?.trim();
  if (!image) throw new UsageError('missing --to-image PULLSPEC', usage);
  const format = outputFormat(values.output, usage);
  const timeoutMs = values.timeout === undefined ? DEFAULT_UPGRADE_TIMEOUT_MS : timeoutOption(values.timeout, usage);
  const { client, context } = await connect(values);
  const interrupt = interruptToken();
  try {
    const result = await upgradeCluster({
      client,
      image,
      registry: context.registry,
      cache: context.cache,
      ...(context.platform ? { platform: context.platform } : {}),
      force: true,
      wait: !values['no-wait'],
      timeoutMs,
      token: interrupt.token,
      onProgress: (p) => context.progress(`${p.message}...`),
    });
    context.progress('');
    process.stdout.write(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderUpgrade(result, !values['no-wait']));
  } finally {
    interrupt.dispose();
  }
}

function renderUpgrade(result: UpgradeResult, waited: boolean): string {
  const { plan } = result;
  const lines: string[] = [];
  if (plan.alreadyThere) {
    lines.push(`Cluster (context ${plan.context}) already runs ${plan.target.version} (${plan.target.image})`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Upgrading cluster (context ${plan.context}) from ${plan.current.version || '<unknown>'} to ${plan.target.version}`);
  lines.push(`  from ${plan.current.image || '<unknown>'}`);
  lines.push(`  to   ${plan.target.image}`);
  lines.push(`  spec.desiredUpdate ${JSON.stringify(plan.desiredUpdate)}`);
  for (const w of plan.warnings) lines.push(`  warning: ${w}`);
  if (!waited) {
    lines.push('Not waiting for the upgrade. Follow it with: okd-dev cluster status');
  } else {
    lines.push(`Cluster version is ${result.version} (${Math.round(result.ms / 100) / 10} s)`);
    if (result.completed) lines.push(`  history: ${result.completed.state} ${result.completed.version ?? ''} ${result.completed.image}`.replace(/ +/g, ' '));
  }
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

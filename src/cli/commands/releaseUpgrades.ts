import * as path from 'node:path';
import { OkdError } from '../../core/errors';
import { graphBase, graphUrl } from '../../core/releasecontroller/clusterUpgrade';
import { answerUpgrade } from '../../core/releasecontroller/graph';
import { renderUpgradeAnswer } from '../../core/releasecontroller/render';
import { outputFormat, parseCommandArgs } from '../args';
import { stderrLogger } from '../context';
import { UsageError } from '../usage';
import type { ClusterUpgradeSource } from './clusterUpgradeSource';
import { controllerClient, controllerOptions, controllerOptionsUsage } from './releaseControllerOptions';

const usage = `Usage: okd-dev release upgrades [--channel CHANNEL] [--from VERSION] [--to VERSION] [--controller URL] [-o json]
  [--kubeconfig FILE] [--context NAME]

Answers "can I upgrade from what my cluster runs" from a channel's upgrade graph (GET /graph?channel=CHANNEL,
Cincinnati JSON): the versions one upgrade away from VERSION, newest first, the newest version reachable and the
path to it, and with --to whether and how VERSION can be reached.
Without --from, VERSION is the connected cluster's (ClusterVersion status.desired.version), and its spec.channel
and spec.upstream are the default channel and graph.

${controllerOptionsUsage}`;

/** Loads the cluster bundle only when the cluster is asked (as main.ts does for the cluster commands). */
function readClusterSource(flags: { kubeconfig?: string; context?: string; verbose?: boolean }): Promise<ClusterUpgradeSource> {
  const id = path.basename(__filename) === 'cli.js' ? './cli-cluster.js' : './cluster';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path, so esbuild leaves it alone
  const { clusterUpgradeSource } = require(id) as typeof import('./cluster');
  return clusterUpgradeSource(flags);
}

export async function releaseUpgrades(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      ...controllerOptions,
      channel: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, usage);
  const format = outputFormat(values.output, usage);
  const logger = stderrLogger(values.verbose ?? false);
  let from = values.from;
  let channel = values.channel;
  let upstream: string | undefined;
  let fromWhere: string | undefined;
  if (from === undefined) {
    const cluster = await readClusterSource(values);
    from = cluster.version;
    fromWhere = 'the connected cluster';
    channel ??= cluster.channel;
    if (!values.controller && cluster.upstream) upstream = cluster.upstream;
    if (!channel) throw new OkdError('invalid-input', `the cluster (running ${from}) has no spec.channel`, 'give the channel with --channel, e.g. --channel stable-4.19');
  }
  if (!channel) throw new UsageError('missing --channel', usage);
  const client = controllerClient(values, logger, upstream ? graphBase(upstream) : undefined);
  const graph = await client.upgradeGraph(channel);
  const answer = answerUpgrade(graph, from, values.to);
  const graphAt = graphUrl(client.baseUrl, channel);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ graph: graphAt, ...(fromWhere ? { fromCluster: true } : {}), ...answer }, null, 2)}\n`);
    return;
  }
  process.stdout.write(renderUpgradeAnswer(answer, { graph: graphAt, ...(fromWhere ? { fromWhere } : {}) }));
}

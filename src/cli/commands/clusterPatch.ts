import { formatOverride } from '../../core/cluster/overrides';
import { patchOperator } from '../../core/cluster/patch';
import { waitForRollout } from '../../core/cluster/rollout';
import { describeWorkload } from '../../core/cluster/workloads';
import { OkdError } from '../../core/errors';
import { parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect, interruptToken } from './clusterConnect';

const usage = `Usage: okd-dev cluster patch OPERATOR IMAGE [--no-wait] [--timeout SECONDS]

Runs IMAGE as OPERATOR in the cluster: adds an \`unmanaged: true\` ClusterVersion override for the operator's
Deployment or DaemonSet (so the cluster-version operator leaves it alone), sets the container image by digest and
every env var that carried the old image (OPERATOR_IMAGE, ...), records the original images on it, and waits for
the rollout (as \`kubectl rollout status\` judges it, with the pods' reasons when it fails). OPERATOR is a
component of the cluster's payload (cluster-monitoring-operator), NAMESPACE/NAME of a Deployment or DaemonSet of
the payload, or deployment/NAMESPACE/NAME or daemonset/NAMESPACE/NAME. Undo it with
\`okd-dev cluster restore OPERATOR\`.

Options:
      --no-wait                do not wait for the rollout
      --timeout SECONDS        how long to wait for the rollout (default 600)
  -a, --registry-config FILE, --insecure, --ca-file FILE, --filter-by-os OS/ARCH   registry options

${clusterOptionsUsage}`;

export function timeoutOption(value: string | undefined, usage: string): number {
  if (value === undefined) return 600_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout needs a number of seconds, got '${value}'`, usage);
  return seconds * 1000;
}

export async function clusterPatch(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { ...clusterOptions, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' } }, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 2) throw new UsageError(positionals.length < 2 ? `missing ${positionals.length ? 'IMAGE' : 'OPERATOR and IMAGE'}` : `unexpected argument '${positionals[2]}'`, usage);
  const [operator, image] = positionals as [string, string];
  const timeoutMs = timeoutOption(values.timeout, usage);
  const { client, context } = await connect(values);
  const interrupt = interruptToken();
  try {
    const result = await patchOperator(client, {
      operator,
      image,
      registry: context.registry,
      cache: context.cache,
      ...(context.platform ? { platform: context.platform } : {}),
      token: interrupt.token,
      onStep: (message) => context.progress(`${message}...`),
    });
    context.progress('');
    const { target } = result;
    const out: string[] = [`Patched ${operator}: ${describeWorkload(target.kind, target.namespace, target.name)} (release ${result.release.version})`];
    out.push(`  override ${formatOverride(result.override)} unmanaged${result.overrideAdded ? ' added' : ' (already set)'}`);
    for (const [container, original] of Object.entries(result.record.containers)) out.push(`  container ${container}: ${original} -> ${result.image}`);
    for (const [container, envs] of Object.entries(result.record.env)) for (const name of Object.keys(envs)) out.push(`  env ${container}/${name} -> ${result.image}`);
    process.stdout.write(`${out.join('\n')}\n`);
    if (values['no-wait']) {
      process.stdout.write(`Not waiting for the rollout. Restore with: okd-dev cluster restore ${operator}\n`);
      return;
    }
    try {
      const state = await waitForRollout(client, {
        kind: target.kind,
        namespace: target.namespace,
        name: target.name,
        expect: { images: Object.fromEntries(target.containers.map((c) => [c.name, result.image])), mode: 'required' },
        timeoutMs,
        token: interrupt.token,
        onProgress: (progress) => context.progress(`rollout: ${progress.message}`),
      });
      context.progress('');
      process.stdout.write(`Rollout complete: ${state.progress.message}\nRestore with: okd-dev cluster restore ${operator}\n`);
    } catch (err) {
      context.progress('');
      if (err instanceof OkdError) throw new OkdError(err.kind, err.message, `the patch stays in place; fix the image and patch again, or restore with \`okd-dev cluster restore ${operator}\``, { cause: err });
      throw err;
    }
  } finally {
    interrupt.dispose();
  }
}

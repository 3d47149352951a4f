import { type CancellationTokenLike, fromAbortSignal } from '../../core/cancel';
import { ClusterClient } from '../../core/cluster/client';
import type { CliContext, RegistryFlags } from '../context';
import { registryOptions } from '../args';

/** Options of every `dev` command: where the checkout is, which release, which cluster. */
export const devOptions = {
  ...registryOptions,
  path: { type: 'string' },
  release: { type: 'string' },
  component: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

export const devOptionsUsage = `Workspace options:
      --path DIR               the operator checkout (default: the current folder)
      --release PULLSPEC       the payload to match and build against (default: the cluster's current release)
      --component NAME         the component, when the checkout builds several
      --kubeconfig FILE        the kubeconfig (default: KUBECONFIG, else ~/.kube/config, as kubectl)
      --context NAME           the kubeconfig context (default: its current-context)
  -a, --registry-config FILE   registry credentials;  --insecure  plain http / unverified TLS;  --ca-file FILE`;

export interface DevFlags extends RegistryFlags {
  kubeconfig?: string;
  context?: string;
}

export async function connectCluster(flags: DevFlags, context: CliContext): Promise<ClusterClient> {
  return ClusterClient.connect({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    logger: context.logger,
  });
}

/** Fires on Ctrl-C, so a build is killed (its whole process group) and a rollout wait stops cleanly. */
export function interruptToken(): { token: CancellationTokenLike; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { token: fromAbortSignal(controller.signal), dispose: () => process.off('SIGINT', onSigint) };
}

import { type CancellationTokenLike, fromAbortSignal } from '../../core/cancel';
import { ClusterClient } from '../../core/cluster/client';
import { registryOptions } from '../args';
import { type CliContext, createContext, type RegistryFlags } from '../context';

/** Options every `cluster` command takes: kubeconfig and context like kubectl, plus the registry options. */
export const clusterOptions = {
  ...registryOptions,
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const;

export const clusterOptionsUsage = `Cluster options:
      --kubeconfig FILE        the kubeconfig to use (default: KUBECONFIG, else ~/.kube/config)
      --context NAME           the kubeconfig context (default: its current-context)`;

export interface ClusterFlags extends RegistryFlags {
  kubeconfig?: string;
  context?: string;
}

export async function connect(flags: ClusterFlags, context: CliContext = createContext(flags)): Promise<{ client: ClusterClient; context: CliContext }> {
  const client = await ClusterClient.connect({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    logger: context.logger,
  });
  return { client, context };
}

/** A cancellation token that fires on Ctrl-C, so a rollout wait stops cleanly. */
export function interruptToken(): { token: CancellationTokenLike; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { token: fromAbortSignal(controller.signal), dispose: () => process.off('SIGINT', onSigint) };
}

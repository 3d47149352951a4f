import type { PayloadOptions } from '../../core/cluster/patch';
import type { CancellationTokenLike } from '../../core/cancel';
import type { Services } from '../services';
import { readSettings } from '../settings';

/** What core's patch and restore need to read the cluster's payload: the editor's registry client and cache. */
export function payloadOptions(services: Services, token?: CancellationTokenLike): PayloadOptions {
  const platform = services.platform();
  return { registry: services.registry(), cache: services.cache(), ...(platform ? { platform } : {}), ...(token ? { token } : {}) };
}

export function rolloutTimeoutMs(): number {
  return Math.max(10, readSettings().rolloutTimeoutSeconds) * 1000;
}

import { OkdError } from '../../core/errors';
import { ReleaseControllerClient } from '../../core/releasecontroller/client';
import type { Logger } from '../../core/log';

/** The OKD release controller, used when neither --controller nor OKD_DEV_RELEASE_CONTROLLER names one. */
export const DEFAULT_RELEASE_CONTROLLER = 'https://amd64.origin.releases.ci.openshift.org';

export const controllerOptions = {
  controller: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const controllerOptionsUsage = `Release controller options:
      --controller URL         the release controller (default: OKD_DEV_RELEASE_CONTROLLER, else ${DEFAULT_RELEASE_CONTROLLER})
      --timeout SECONDS        how long to wait for one answer (default 15)`;

/** A client for the controller the flags (or the environment) name, with the --timeout bound. */
export function controllerClient(flags: { controller?: string; timeout?: string }, logger: Logger, url?: string): ReleaseControllerClient {
  let timeoutMs = 15_000;
  if (flags.timeout !== undefined) {
    const seconds = Number(flags.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new OkdError('invalid-input', `--timeout ${flags.timeout} is not a number of seconds`, 'write e.g. --timeout 30');
    timeoutMs = seconds * 1000;
  }
  return new ReleaseControllerClient(url ?? flags.controller ?? (process.env.OKD_DEV_RELEASE_CONTROLLER || DEFAULT_RELEASE_CONTROLLER), { timeoutMs, logger });
}

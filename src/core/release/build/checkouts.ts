import * as path from 'node:path';
import type { Builder, BuildSettings } from '../../build/settings';
import { CancelledError, type CancellationTokenLike, linkedToken } from '../../cancel';
import { DevLoopError, type DevLoopResult, type DevLoopStage, runDevLoop } from '../../devloop';
import { OkdError } from '../../errors';
import { type Logger, silentLogger } from '../../log';
import type { RegistryClient } from '../../registry/client';
import type { Platform } from '../../registry/types';
import type { ReleaseCache } from '../cache';

/** One checkout's build as it goes: its stage, and the component once known. */
export interface CheckoutProgress {
  dir: string;
  component?: string;
  stage: DevLoopStage;
  /** The builder of this attempt (a Dockerfile build after the append path did not apply). */
  builder: Builder | 'auto';
}

export interface CheckoutBuild {
  dir: string;
  component: string;
  /** The pushed image by digest. */
  image: string;
  tagPullSpec: string;
  builder: Builder;
  commit: string;
  dirty: boolean;
  uploadedBytes?: number;
  layer?: { digest: string; size: number };
  stages: DevLoopStage[];
  /** Why the append path did not apply, when the Dockerfile was built instead. */
  fellBack?: string;
}

export interface BuildCheckoutsOptions {
  dirs: string[];
  client: RegistryClient;
  cache?: ReleaseCache;
  /** The payload the components are matched to and built on. */
  release: string;
  platform?: Platform;
  /** The repository the component images are pushed to. */
  to: string;
  /** `builder` unset: the append path, and the checkout's Dockerfile (first container tool found) where it does not apply. */
  settings?: BuildSettings;
  /** How many checkouts build at once (default 2). */
  jobs?: number;
  tempDir?: string;
  now?: () => Date;
  token?: CancellationTokenLike;
  logger?: Logger;
  onProgress?: (progress: CheckoutProgress) => void;
  onLine?: (dir: string, line: string) => void;
}

/** A checkout whose build failed; the others were stopped and no payload was pushed. */
export class CheckoutBuildError extends OkdError {
  constructor(
    readonly dir: string,
    readonly component: string | undefined,
    readonly stage: DevLoopStage['name'] | undefined,
    readonly stages: DevLoopStage[],
    cause: unknown,
    others: string[],
  ) {
    const inner = cause instanceof OkdError ? cause : undefined;
    const reason = cause instanceof DevLoopError ? describeCause(cause) : cause instanceof Error ? cause.message : String(cause);
    const name = component ? `${dir} (${component})` : dir;
    const more = others.length ? `; also failed: ${others.join(', ')}` : '';
    super(
      inner?.kind ?? 'failed',
      `release build failed: checkout ${name}${stage ? ` failed in stage ${stage}` : ' failed'}: ${reason}${more}`,
      `no payload was pushed; ${inner?.hint ? `${inner.hint}, then ` : 'fix that checkout, then '}run the release build again`,
      { cause },
    );
    this.name = 'OkdError';
  }
}

function describeCause(err: DevLoopError): string {
  const inner = err.cause;
  if (inner instanceof OkdError) return inner.message;
  return inner instanceof Error ? inner.message : err.message;
}

/** The append path cannot build this checkout (no Go main package, no entrypoint, no go): its Dockerfile can. */
function appendDoesNotApply(err: unknown): string | undefined {
  if (!(err instanceof DevLoopError) || err.stage !== 'build') return undefined;
  const inner = err.cause;
  return inner instanceof OkdError && inner.kind === 'not-found' ? inner.message : undefined;
}

/**
 * Builds and pushes each checkout's component with the dev loop (no cluster): the append path, or the checkout's
 * Dockerfile when the append path does not apply. At most `jobs` build at once. The first failure stops every other
 * build (their child processes too) and, once all have ended, is thrown as a CheckoutBuildError naming the checkout.
 * Two checkouts that build the same component are refused.
 */
export async function buildCheckouts(options: BuildCheckoutsOptions): Promise<CheckoutBuild[]> {
  const logger = options.logger ?? silentLogger;
  const dirs = options.dirs.map((d) => path.resolve(d));
  const own = linkedToken(options.token);
  const failures: { dir: string; component?: string; err: unknown }[] = [];
  const components = new Map<string, string>();
  const jobs = Math.max(1, options.jobs ?? 2);

  /** Checkout -> its component, once its prepare stage matched it. */
  const matched = new Map<string, string>();

  const buildOne = async (dir: string): Promise<CheckoutBuild> => {
    const attempt = (settings: BuildSettings) =>
      runDevLoop({
        dir,
        client: options.client,
        ...(options.cache ? { cache: options.cache } : {}),
        ...(options.platform ? { platform: options.platform } : {}),
        release: options.release,
        to: options.to,
        settings,
        patch: false,
        ...(options.tempDir ? { tempDir: options.tempDir } : {}),
        ...(options.now ? { now: options.now } : {}),
        token: own.token,
        logger,
        onComponent: (component) => matched.set(dir, component),
        onStage: (stage) => {
          const component = matched.get(dir);
          options.onProgress?.({ dir, ...(component ? { component } : {}), stage, builder: settings.builder ?? 'append' });
        },
        onLine: (l) => options.onLine?.(dir, l),
      });
    const settings = options.settings ?? {};
    let result: DevLoopResult;
    let fellBack: string | undefined;
    try {
      result = await attempt(settings.builder === undefined ? { ...settings, builder: 'append' } : settings);
    } catch (err) {
      fellBack = settings.builder === undefined ? appendDoesNotApply(err) : undefined;
      if (fellBack === undefined || own.token.isCancellationRequested) throw err;
      logger.info(`release build: ${dir}: the append path does not apply (${fellBack}); building its Dockerfile`);
      result = await attempt({ ...settings, builder: 'auto', prebuild: settings.prebuild ?? false });
    }
    const other = components.get(result.component);
    if (other !== undefined) {
      throw new OkdError('invalid-input', `${dir} and ${other} both build ${result.component}`, 'give one checkout per component');
    }
    components.set(result.component, dir);
    return {
      dir,
      component: result.component,
      image: result.image,
      tagPullSpec: result.tagPullSpec,
      builder: result.builder,
      commit: result.commit,
      dirty: result.dirty,
      ...(result.uploadedBytes !== undefined ? { uploadedBytes: result.uploadedBytes } : {}),
      ...(result.layer ? { layer: result.layer } : {}),
      stages: result.stages,
      ...(fellBack !== undefined ? { fellBack } : {}),
    };
  };

  const results = new Map<string, CheckoutBuild>();
  let next = 0;
  const worker = async () => {
    while (next < dirs.length && !own.token.isCancellationRequested) {
      const dir = dirs[next++] as string;
      try {
        results.set(dir, await buildOne(dir));
      } catch (err) {
        const component = (err instanceof DevLoopError ? err.component : undefined) ?? matched.get(dir);
        failures.push({ dir, ...(component ? { component } : {}), err });
        // One failure fails the whole build: stop the others now rather than push images nobody uses.
        own.cancel();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, dirs.length) }, worker));
  } finally {
    own.dispose();
  }
  if (options.token?.isCancellationRequested) throw new CancelledError('release build');
  const real = failures.filter((f) => !isCancellation(f.err));
  const first = real[0] ?? failures[0];
  if (first) {
    const err = first.err;
    const stages = err instanceof DevLoopError ? err.stages : [];
    const others = real.filter((f) => f !== first).map((f) => (f.component ? `${f.dir} (${f.component})` : f.dir));
    throw new CheckoutBuildError(first.dir, first.component, err instanceof DevLoopError ? err.stage : undefined, stages, err, others);
  }
  return dirs.map((d) => results.get(d) as CheckoutBuild);
}

function isCancellation(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof DevLoopError && err.cause instanceof CancelledError);
}

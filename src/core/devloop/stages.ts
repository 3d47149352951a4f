import { OkdError, type OkdErrorKind } from '../errors';

export type DevLoopStageName = 'prepare' | 'build' | 'push' | 'patch' | 'rollout';
export const DEV_LOOP_STAGES: readonly DevLoopStageName[] = ['prepare', 'build', 'push', 'patch', 'rollout'];

export interface DevLoopStage {
  name: DevLoopStageName;
  state: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  /** Wall time of the stage once it ended. */
  ms?: number;
  /** The latest thing it is doing, or its result. */
  detail?: string;
}

/** What a user needs to undo a loop that got as far as the cluster. */
export interface RestoreHint {
  /** The component name to pass to restore. */
  operator: string;
  namespace: string;
  name: string;
  command: string;
}

/** A dev loop that failed: which stage, the stages so far, and how to restore when the cluster was touched. */
export class DevLoopError extends OkdError {
  constructor(
    readonly stage: DevLoopStageName,
    readonly stages: DevLoopStage[],
    cause: unknown,
    readonly restore?: RestoreHint,
  ) {
    const inner = cause instanceof OkdError ? cause : undefined;
    const kind: OkdErrorKind = inner?.kind ?? 'failed';
    const reason = inner ? inner.message : cause instanceof Error ? cause.message : String(cause);
    const hints = [inner?.hint, restore ? `restore the operator with \`${restore.command}\`` : undefined].filter(Boolean);
    super(kind, `dev loop failed in stage ${stage}: ${reason}`, hints.length ? hints.join('; ') : undefined, { cause });
    this.name = 'DevLoopError';
  }
}

/** Keeps the stage list, times each stage and tells the listener about every change. */
export class StageTracker {
  readonly stages: DevLoopStage[];
  private started = 0;
  private current: DevLoopStage | undefined;

  constructor(
    names: readonly DevLoopStageName[],
    private readonly listener: (stage: DevLoopStage, all: DevLoopStage[]) => void = () => undefined,
  ) {
    this.stages = names.map((name) => ({ name, state: 'pending' }));
  }

  private get(name: DevLoopStageName): DevLoopStage {
    const stage = this.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`unknown stage ${name}`);
    return stage;
  }

  start(name: DevLoopStageName, detail?: string): void {
    this.current = this.get(name);
    this.current.state = 'running';
    this.current.detail = detail;
    this.started = performance.now();
    this.listener(this.current, this.stages);
  }

  detail(detail: string): void {
    if (!this.current) return;
    this.current.detail = detail;
    this.listener(this.current, this.stages);
  }

  done(detail?: string): void {
    if (!this.current) return;
    this.current.state = 'done';
    this.current.ms = performance.now() - this.started;
    if (detail !== undefined) this.current.detail = detail;
    this.listener(this.current, this.stages);
    this.current = undefined;
  }

  fail(detail: string): DevLoopStageName {
    const stage = this.current ?? this.stages[0] as DevLoopStage;
    stage.state = 'failed';
    stage.ms = performance.now() - this.started;
    stage.detail = detail;
    this.listener(stage, this.stages);
    this.current = undefined;
    return stage.name;
  }

  skip(name: DevLoopStageName, detail: string): void {
    const stage = this.get(name);
    stage.state = 'skipped';
    stage.detail = detail;
    this.listener(stage, this.stages);
  }

  get running(): DevLoopStageName | undefined {
    return this.current?.name;
  }
}

/** `prepare 0.2 s, build 0.9 s, push 0.1 s, patch 0.1 s, rollout 1.3 s` */
export function formatStageTimes(stages: DevLoopStage[]): string {
  return stages
    .filter((s) => s.ms !== undefined)
    .map((s) => `${s.name} ${((s.ms as number) / 1000).toFixed(1)} s${s.state === 'failed' ? ' (failed)' : ''}`)
    .join(', ');
}

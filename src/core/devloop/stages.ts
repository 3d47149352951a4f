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
  /** When it started, in ms after the loop started. Stages may overlap (the build starts while preparing). */
  startMs?: number;
  /** The stage that was still running when this one started early, if any. */
  overlaps?: DevLoopStageName;
}

/** What a user needs to undo a loop that got as far as the cluster. */
export interface RestoreHint {
  /** The component name to pass to restore. */
  operator: string;
  namespace: string;
  name: string;
  command: string;
}

/** A dev loop that failed: which stage, the stages so far, the component, and how to restore when the cluster was touched. */
export class DevLoopError extends OkdError {
  constructor(
    readonly stage: DevLoopStageName,
    readonly stages: DevLoopStage[],
    cause: unknown,
    readonly restore?: RestoreHint,
    /** The checkout's component, once prepare had matched it. */
    readonly component?: string,
  ) {
    const inner = cause instanceof OkdError ? cause : undefined;
    const kind: OkdErrorKind = inner?.kind ?? 'failed';
    const reason = inner ? inner.message : cause instanceof Error ? cause.message : String(cause);
    const hints = [inner?.hint, restore ? `restore the operator with \`${restore.command}\`` : undefined].filter(Boolean);
    super(kind, `dev loop failed in stage ${stage}: ${reason}`, hints.length ? hints.join('; ') : undefined, { cause });
    this.name = 'DevLoopError';
  }
}

/**
 * Keeps the stage list, times each stage and tells the listener about every change. One stage is the current one
 * (the loop waits on it; details and failures go to it); another may be begun early and run alongside it: its time
 * then runs from its own start, and it says which stage it overlapped.
 */
export class StageTracker {
  readonly stages: DevLoopStage[];
  private readonly origin = performance.now();
  private readonly starts = new Map<DevLoopStageName, number>();
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

  private begin(stage: DevLoopStage, overlaps?: DevLoopStageName): void {
    const now = performance.now();
    this.starts.set(stage.name, now);
    stage.state = 'running';
    stage.startMs = now - this.origin;
    if (overlaps) stage.overlaps = overlaps;
    else delete stage.overlaps;
  }

  /**
   * Makes `name` the current stage. A stage begun early (startEarly) keeps its start time unless `restart` is set
   * (its early work was thrown away).
   */
  start(name: DevLoopStageName, detail?: string, options: { restart?: boolean } = {}): void {
    const stage = this.get(name);
    if (stage.state !== 'running' || !this.starts.has(name) || options.restart) this.begin(stage);
    this.current = stage;
    stage.detail = detail;
    this.listener(stage, this.stages);
  }

  /** Begins `name` alongside the current stage; it becomes current later with start(). Running already: a detail. */
  startEarly(name: DevLoopStageName, detail?: string): void {
    const stage = this.get(name);
    if (stage.state !== 'running') this.begin(stage, this.current && this.current !== stage ? this.current.name : undefined);
    stage.detail = detail;
    this.listener(stage, this.stages);
  }

  /** A new detail for the current stage, or for the named one (a stage begun early). */
  detail(detail: string, name?: DevLoopStageName): void {
    const stage = name ? this.get(name) : this.current;
    if (!stage) return;
    stage.detail = detail;
    this.listener(stage, this.stages);
  }

  done(detail?: string): void {
    if (!this.current) return;
    this.current.state = 'done';
    this.current.ms = performance.now() - (this.starts.get(this.current.name) ?? this.origin);
    if (detail !== undefined) this.current.detail = detail;
    this.listener(this.current, this.stages);
    this.current = undefined;
  }

  fail(detail: string): DevLoopStageName {
    const stage = this.current ?? this.stages[0] as DevLoopStage;
    stage.state = 'failed';
    stage.ms = performance.now() - (this.starts.get(stage.name) ?? this.origin);
    stage.detail = detail;
    this.listener(stage, this.stages);
    this.current = undefined;
    return stage.name;
  }

  skip(name: DevLoopStageName, detail: string): void {
    const stage = this.get(name);
    const started = this.starts.get(name);
    if (stage.state === 'running' && started !== undefined) stage.ms = performance.now() - started;
    stage.state = 'skipped';
    stage.detail = detail;
    this.listener(stage, this.stages);
  }

  get running(): DevLoopStageName | undefined {
    return this.current?.name;
  }
}

/**
 * `prepare 0.2 s, build 0.9 s, push 0.1 s, patch 0.1 s, rollout 1.3 s`; a stage begun early says so
 * (`build 0.9 s (started during prepare)`): overlapping times add up to more than the wall time.
 */
export function formatStageTimes(stages: DevLoopStage[], digits = 1): string {
  return stages
    .filter((s) => s.ms !== undefined)
    .map((s) => {
      const notes = [s.overlaps ? `started during ${s.overlaps}` : '', s.state === 'failed' ? 'failed' : s.state === 'skipped' ? 'stopped' : ''].filter(Boolean);
      return `${s.name} ${((s.ms as number) / 1000).toFixed(digits)} s${notes.length ? ` (${notes.join(', ')})` : ''}`;
    })
    .join(', ');
}

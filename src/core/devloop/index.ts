// The inner loop: build, push, patch, rollout.
export { devLabels, type DevLoopOptions, type DevLoopResult, devTag, LABEL_DIRTY, runDevLoop } from './loop';
export { DEV_LOOP_STAGES, DevLoopError, type DevLoopStage, type DevLoopStageName, formatStageTimes, type RestoreHint, StageTracker } from './stages';

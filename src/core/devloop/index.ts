// The inner loop: build, push, patch, rollout.
export { type DevLoopOptions, type DevLoopResult, runDevLoop } from './loop';
export { devLabels, devTag, LABEL_DIRTY } from './prepare';
export { DEV_LOOP_STAGES, DevLoopError, type DevLoopStage, type DevLoopStageName, formatStageTimes, type RestoreHint, StageTracker } from './stages';

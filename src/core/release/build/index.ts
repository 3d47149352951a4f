// `release build`: a payload from several operator checkouts at once.
export { buildRelease, type ReleaseBuildOptions, type ReleaseBuildResult } from './buildRelease';
export { buildCheckouts, type CheckoutBuild, CheckoutBuildError, type CheckoutProgress } from './checkouts';
export { builtReleaseProblems } from './verify';

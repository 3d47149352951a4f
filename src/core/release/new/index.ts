// `release new`: a custom payload from an existing one with some component images replaced.
export { createRelease, type NewReleaseOptions, type NewReleaseResult, type ReplacedComponent } from './newRelease';
export { type ComponentReplacement, closeNames, parseReplacement, parseReplacements } from './replacements';
export { defaultReleaseName, isSemver, replacePullspec, rewriteImageReferences, rewriteReleaseFiles, rewriteReleaseMetadata } from './rewrite';
export { releaseConfig } from './config';

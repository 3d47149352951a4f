// Apply an operator checkout's manifests/ to a cluster: render them as `oc adm release new` would, diff them
// against the live objects as the CVO sees them, apply what changed behind overrides, and restore the payload's.
export { ObjectApi, type ApiResource } from './api';
export { apply, type AppliedObject, type ApplyOptions, type ApplyResult, componentNamespace } from './apply';
export { diff, diffSummary, type ManifestsDiff, type ObjectDiff, type ObjectState, overrideFor, renderDiff } from './diff';
export { diffObject, type FieldChange, mergeObject, ownedFields } from './merge';
export { formatRef, type KubeObject, type ObjectRef, parseManifestObjects } from './objects';
export { findRecords, type ManifestRecord, type ManifestRecordEntry, RECORD_COMPONENT_LABEL, recordName } from './record';
export { type RenderedManifests, type RenderedObject, type RenderOptions, type RenderRelease, releaseFileName, render, renderManifestFiles, replaceSnapshotVersions } from './render';
export { type RestoredObject, type RestoreManifestsOptions, type RestoreManifestsResult, restoreManifests } from './undo';

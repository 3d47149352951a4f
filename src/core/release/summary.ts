import type { Component, Release } from './model';

/** What a hover (and a picker) shows of a component: its image and where it was built from. */
export type ComponentSummary = Pick<Component, 'name' | 'pullSpec' | 'digest' | 'commit' | 'ref' | 'source' | 'commitUrl' | 'override'>;

/**
 * A release as the hover index keeps it: its identity and its components' images, without operators, workloads or
 * manifests. A few tens of KiB per release, so every cached release can be indexed without growing with the cache.
 */
export interface ReleaseSummary extends Pick<Release, 'pullSpec' | 'name' | 'version' | 'digest' | 'listDigest' | 'created' | 'os' | 'architecture' | 'platforms'> {
  components: ComponentSummary[];
  operatorCount: number;
  manifestCount: number;
}

/** The summary of a release model (pure; the fields are copied, so the model can be dropped). */
export function summarizeRelease(release: Release): ReleaseSummary {
  const summary: ReleaseSummary = {
    pullSpec: release.pullSpec,
    name: release.name,
    version: release.version,
    digest: release.digest,
    created: release.created,
    os: release.os,
    architecture: release.architecture,
    components: release.components.map(summarizeComponent),
    operatorCount: release.operators.length,
    manifestCount: release.manifests.length,
  };
  if (release.listDigest !== undefined) summary.listDigest = release.listDigest;
  if (release.platforms !== undefined) summary.platforms = [...release.platforms];
  return summary;
}

function summarizeComponent(component: Component): ComponentSummary {
  const summary: ComponentSummary = {
    name: component.name,
    pullSpec: component.pullSpec,
    digest: component.digest,
    commit: component.commit,
    ref: component.ref,
    source: component.source,
    override: component.override,
  };
  if (component.commitUrl !== undefined) summary.commitUrl = component.commitUrl;
  return summary;
}

/** A summary read back from disk has the fields a hover reads (a damaged or foreign file is a miss). */
export function isReleaseSummary(value: unknown): value is ReleaseSummary {
  if (!value || typeof value !== 'object') return false;
  const s = value as Partial<ReleaseSummary>;
  const strings = [s.pullSpec, s.name, s.version, s.digest, s.created, s.os, s.architecture];
  return (
    strings.every((v) => typeof v === 'string') &&
    typeof s.operatorCount === 'number' &&
    typeof s.manifestCount === 'number' &&
    Array.isArray(s.components) &&
    s.components.every((c) => c && typeof c.name === 'string' && typeof c.pullSpec === 'string' && typeof c.digest === 'string')
  );
}

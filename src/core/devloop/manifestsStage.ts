// The dev loop's part of "apply the checkout's manifests": the checkout's manifests/ rendered for the payload the
// loop patches into, compared with the cluster, and what changed applied, each object behind its own override.
// Objects go before the image patch (a new CRD field or Role rule is there when the new operator starts), except
// the patched workload itself: its env/args changes go right after the patch, behind the patch's own override, so
// restore takes the workload back with the patch and the manifests' record only holds the fields it wrote.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CancellationTokenLike } from '../cancel';
import type { ClusterClient } from '../cluster/client';
import { findOperatorWorkload } from '../cluster/operator';
import { formatOverride } from '../cluster/overrides';
import { apply, type ApplyResult } from '../manifests/apply';
import { diff, type ManifestsDiff, type ObjectDiff } from '../manifests/diff';
import { formatRef, groupOf, type ObjectRef, refOf } from '../manifests/objects';
import { render, type RenderedManifests } from '../manifests/render';
import type { Release } from '../release/model';
import type { RestoreHint } from './stages';

/**
 * none: the checkout has no manifests/; unchanged: the cluster holds them; applied: what changed is applied;
 * declined: the user chose to patch the image only; off: not asked to (`--no-manifests`).
 */
export type DevLoopManifestsState = 'none' | 'unchanged' | 'applied' | 'declined' | 'off';

export interface DevLoopManifests {
  state: DevLoopManifestsState;
  /** One line: what was applied, or why nothing was. */
  summary: string;
  applied: { object: string; how: 'created' | 'updated'; override: string; overrideAdded: boolean; changes: string[] }[];
  unchanged: string[];
  skipped: { object: string; reason: string }[];
  warnings: string[];
  /** The ConfigMap holding what restore needs, when something was applied. */
  record?: { namespace: string; name: string };
}

export interface ManifestsStageInput {
  cluster: ClusterClient;
  /** The checkout (its manifests/ folder is read). */
  root: string;
  /** The payload the loop patches into. */
  release: Release;
  component: string;
  /** Asked with the difference when something would change: false applies nothing (the image patch goes on). */
  confirm?: (d: ManifestsDiff) => Promise<boolean>;
  token?: CancellationTokenLike;
  onStep?: (message: string) => void;
}

export interface ManifestsStage {
  /** The difference found (undefined without manifests/). */
  diff?: ManifestsDiff;
  /** How to undo, once something was written to the cluster. */
  restore?: RestoreHint;
  /** Applies the patched workload's own changes (call after the image patch) and says what was done. */
  finish(): Promise<DevLoopManifests>;
}

export function manifestsOff(): DevLoopManifests {
  return { state: 'off', summary: 'not applied (--no-manifests)', applied: [], unchanged: [], skipped: [], warnings: [] };
}

function outcome(state: DevLoopManifestsState, summary: string, d?: ManifestsDiff): DevLoopManifests {
  return {
    state,
    summary,
    applied: [],
    unchanged: d ? d.objects.filter((o) => o.state === 'unchanged').map((o) => formatRef(o.ref)) : [],
    skipped: d ? d.objects.filter((o) => o.state === 'skipped').map((o) => ({ object: formatRef(o.ref), reason: o.reason ?? 'skipped' })) : [],
    warnings: d ? [...d.warnings] : [],
  };
}

function isPending(o: ObjectDiff): boolean {
  return o.state === 'new' || o.state === 'changed';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The workload the image patch writes, when the release has one for the component. */
function patchTarget(release: Release, component: string): Pick<ObjectRef, 'kind' | 'namespace' | 'name'> | undefined {
  try {
    const t = findOperatorWorkload(release, component);
    return { kind: t.kind, namespace: t.namespace, name: t.name };
  } catch {
    return undefined;
  }
}

function isWorkloadOf(target: Pick<ObjectRef, 'kind' | 'namespace' | 'name'> | undefined, ref: ObjectRef): boolean {
  return target !== undefined && groupOf(ref.apiVersion) === 'apps' && ref.kind === target.kind && ref.namespace === target.namespace && ref.name === target.name;
}

async function hasManifests(root: string): Promise<boolean> {
  return fs.stat(path.join(root, 'manifests')).then((s) => s.isDirectory(), () => false);
}

/** The checkout's manifests/ rendered and compared with the cluster (undefined: the checkout has no manifests/). */
export interface ComparedManifests {
  rendered: RenderedManifests;
  diff: ManifestsDiff;
}

export type CompareManifestsInput = Pick<ManifestsStageInput, 'cluster' | 'root' | 'release' | 'component'>;

/**
 * Renders the checkout's manifests/ for the release and reads the cluster's objects to compare: it only reads, and
 * needs the release and the cluster, so the loop runs it while the operator builds (off the critical path).
 */
export async function compareManifests(input: CompareManifestsInput): Promise<ComparedManifests | undefined> {
  if (!(await hasManifests(input.root))) return undefined;
  const rendered = await render(input.root, input.release, { component: input.component });
  return { rendered, diff: await diff(input.cluster, rendered) };
}

/**
 * Asks `confirm` when the comparison (compareManifests', done during the build, or made now) found changes, and
 * applies every changed object except the patched workload (see finish). Throws before writing anything when
 * rendering or comparing failed.
 */
export async function applyManifestsBeforePatch(input: ManifestsStageInput, comparing?: Promise<ComparedManifests | undefined>): Promise<ManifestsStage> {
  const step = input.onStep ?? (() => undefined);
  if (!comparing) step(`rendering ${path.join(input.root, 'manifests')} for ${input.release.version} and comparing with the cluster`);
  const compared = await (comparing ?? compareManifests(input));
  if (comparing && compared) step(`${path.join(input.root, 'manifests')} was rendered and compared with the cluster during the build`);
  if (!compared) {
    return { finish: async () => outcome('none', `${input.root} has no manifests/ folder`) };
  }
  const { rendered, diff: d } = compared;
  const pending = d.objects.filter(isPending);
  if (!pending.length) {
    const why = d.objects.length ? `the cluster holds the ${plural(d.objects.length, 'object')} of manifests/` : 'manifests/ has no objects the cluster-version operator would apply';
    return { diff: d, finish: async () => outcome('unchanged', `nothing to apply: ${why}`, d) };
  }
  if (input.confirm && !(await input.confirm(d))) {
    return { diff: d, finish: async () => outcome('declined', `not applied: ${plural(pending.length, 'changed object')} left as the cluster has them`, d) };
  }
  const target = patchTarget(input.release, input.component);
  const recordNamespace = target?.namespace;
  const results: ApplyResult[] = [];
  const first: ManifestsDiff = { ...d, objects: d.objects.filter((o) => !isWorkloadOf(target, o.ref)) };
  if (first.objects.some(isPending)) {
    results.push(await apply(input.cluster, first, { ...(input.token ? { token: input.token } : {}), onStep: step, ...(recordNamespace ? { recordNamespace } : {}) }));
  }
  const restore: RestoreHint | undefined = results.length && target ? { operator: input.component, namespace: target.namespace, name: target.name, command: `okd-dev cluster restore ${input.component}` } : undefined;
  const workloadPending = d.objects.some((o) => isPending(o) && isWorkloadOf(target, o.ref));
  return {
    diff: d,
    ...(restore ? { restore } : {}),
    async finish() {
      if (workloadPending) {
        // Compared again: the patch changed the workload (its image, the env vars that carried the image).
        const own: RenderedManifests = { ...rendered, objects: rendered.objects.filter((r) => isWorkloadOf(target, refOf(r.object))) };
        step(`applying the manifest of ${target?.kind} ${target?.namespace}/${target?.name}`);
        const again = await diff(input.cluster, own);
        results.push(await apply(input.cluster, again, { ...(input.token ? { token: input.token } : {}), onStep: step, ...(recordNamespace ? { recordNamespace } : {}) }));
      }
      return summarise(d, results);
    },
  };
}

function summarise(d: ManifestsDiff, results: ApplyResult[]): DevLoopManifests {
  const applied = results.flatMap((r) =>
    r.applied.map((a) => ({ object: formatRef(a.ref), how: a.how, override: formatOverride(a.override), overrideAdded: a.overrideAdded, changes: a.changes.map((c) => c.path) })),
  );
  const out = outcome(applied.length ? 'applied' : 'unchanged', '', d);
  const names = new Set(applied.map((a) => a.object));
  out.unchanged = out.unchanged.filter((u) => !names.has(u));
  out.applied = applied;
  out.warnings = [...new Set([...out.warnings, ...results.flatMap((r) => r.warnings)])];
  const record = results.find((r) => r.applied.length)?.record;
  if (record) out.record = record;
  out.summary = applied.length
    ? `applied ${plural(applied.length, 'object')}, each behind its override: ${applied.map((a) => `${a.how} ${a.object}`).join(', ')}`
    : 'nothing to apply: the cluster already holds them';
  return out;
}

import { OkdError } from '../errors';
import type { ClusterClient } from './client';
import type { ClusterVersion, ComponentOverride, JsonPatchOp, PatchableKind } from './types';

export type OverrideKey = Pick<ComponentOverride, 'kind' | 'group' | 'namespace' | 'name'>;

/** The list-map key of `spec.overrides` (kind, group, namespace, name). */
export function sameOverride(a: OverrideKey, b: OverrideKey): boolean {
  return a.kind === b.kind && a.group === b.group && a.namespace === b.namespace && a.name === b.name;
}

export function formatOverride(o: OverrideKey): string {
  const type = o.group ? `${o.kind}.${o.group}` : o.kind;
  return o.namespace ? `${type}/${o.namespace}/${o.name}` : `${type}/${o.name}`;
}

/**
 * The list with `entry` in it: appended when its key is new, replaced in place when the key is there with other
 * values, the same list when it is there already. Every other entry keeps its place. A missing list is created.
 */
export function addOverrideEntries(list: readonly ComponentOverride[] | null | undefined, entry: ComponentOverride): { list: ComponentOverride[]; changed: boolean } {
  const current = list ?? [];
  const at = current.findIndex((o) => sameOverride(o, entry));
  if (at < 0) return { list: [...current, { ...entry }], changed: true };
  const existing = current[at] as ComponentOverride;
  if (existing.unmanaged === entry.unmanaged) return { list: [...current], changed: false };
  return { list: current.map((o, i) => (i === at ? { ...entry } : o)), changed: true };
}

/** The list without entries of this key; every other entry keeps its place. */
export function removeOverrideEntries(list: readonly ComponentOverride[] | null | undefined, key: OverrideKey): { list: ComponentOverride[]; changed: boolean } {
  const current = list ?? [];
  const next = current.filter((o) => !sameOverride(o, key));
  return { list: next, changed: next.length !== current.length };
}

/**
 * The JSON patch that writes `next` only if the list is still what was read: a `test` of the current list, or of
 * the resourceVersion when there is no list yet (a `test` of a missing path cannot express "still absent").
 * Never a merge patch: that would replace whatever list another writer has put there meanwhile.
 */
export function overridesPatch(cv: ClusterVersion, next: ComponentOverride[]): JsonPatchOp[] {
  const current = cv.spec?.overrides;
  if (Array.isArray(current)) {
    return [
      { op: 'test', path: '/spec/overrides', value: current },
      { op: 'replace', path: '/spec/overrides', value: next },
    ];
  }
  const guard: JsonPatchOp = { op: 'test', path: '/metadata/resourceVersion', value: cv.metadata.resourceVersion };
  if (!cv.spec) return [guard, { op: 'add', path: '/spec', value: { overrides: next } }];
  return [guard, { op: 'add', path: '/spec/overrides', value: next }];
}

export interface OverrideWriteOptions {
  /** Attempts when another writer changed the ClusterVersion between our read and our patch (default 8). */
  attempts?: number;
}

export interface OverrideWriteResult {
  changed: boolean;
  overrides: ComponentOverride[];
  /** The entry of this key as it was before the write (absent when there was none): what to put back to undo it. */
  previous?: ComponentOverride;
}

/** Read, compute, guarded patch; on a conflict (409, or 422 from a failed `test`) read again and retry. */
async function writeOverrides(
  client: ClusterClient,
  key: OverrideKey,
  edit: (list: ComponentOverride[] | null | undefined) => { list: ComponentOverride[]; changed: boolean },
  options: OverrideWriteOptions,
): Promise<OverrideWriteResult> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const cv = await client.getClusterVersion();
    const { list, changed } = edit(cv.spec?.overrides);
    const found = (cv.spec?.overrides ?? []).find((o) => sameOverride(o, key));
    const previous = found ? { previous: { ...found } } : {};
    if (!changed) return { changed: false, overrides: list, ...previous };
    try {
      const written = await client.patchClusterVersion(overridesPatch(cv, list));
      return { changed: true, overrides: written.spec?.overrides ?? [], ...previous };
    } catch (err) {
      const retryable = err instanceof OkdError && (err.kind === 'conflict' || err.kind === 'invalid-input');
      if (!retryable) throw err;
      if (err.kind === 'invalid-input') {
        // A 422 is a failed `test` only if the object moved on; otherwise the entry itself is invalid.
        const now = await client.getClusterVersion();
        const tested = cv.spec?.overrides;
        const moved = Array.isArray(tested)
          ? JSON.stringify(now.spec?.overrides) !== JSON.stringify(tested)
          : now.metadata.resourceVersion !== cv.metadata.resourceVersion;
        if (!moved) throw err;
      }
      if (attempt >= attempts) {
        throw new OkdError('conflict', `the ClusterVersion overrides kept changing under us (${attempts} attempts)`, 'another tool is writing them; try again', { cause: err });
      }
      client.logger.debug(`overrides changed while writing (attempt ${attempt}); reading them again`);
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

/** Adds (or sets) one override, keeping every other entry and its position. */
export function addOverride(client: ClusterClient, entry: ComponentOverride, options: OverrideWriteOptions = {}): Promise<OverrideWriteResult> {
  return writeOverrides(client, entry, (list) => addOverrideEntries(list, entry), options);
}

/** Removes the override of this key, keeping every other entry and its position. */
export function removeOverride(client: ClusterClient, key: OverrideKey, options: OverrideWriteOptions = {}): Promise<OverrideWriteResult> {
  return writeOverrides(client, key, (list) => removeOverrideEntries(list, key), options);
}

/** The override that makes the CVO leave a Deployment alone. */
export function deploymentOverride(namespace: string, name: string): ComponentOverride {
  return workloadOverride('Deployment', namespace, name);
}

/** The override that makes the CVO leave a Deployment or DaemonSet alone (both are in group `apps`). */
export function workloadOverride(kind: PatchableKind, namespace: string, name: string): ComponentOverride {
  return { kind, group: 'apps', namespace, name, unmanaged: true };
}

/** Is this override one of a workload okd-dev patches and restores (a Deployment or DaemonSet of group apps)? */
export function isWorkloadOverride<T extends OverrideKey>(o: T): o is T & { kind: PatchableKind } {
  return o.group === 'apps' && (o.kind === 'Deployment' || o.kind === 'DaemonSet');
}

const KNOWN_KINDS: Record<string, { kind: string; group: string; clusterScoped?: boolean }> = {
  deployment: { kind: 'Deployment', group: 'apps' },
  daemonset: { kind: 'DaemonSet', group: 'apps' },
  statefulset: { kind: 'StatefulSet', group: 'apps' },
  job: { kind: 'Job', group: 'batch' },
  cronjob: { kind: 'CronJob', group: 'batch' },
  namespace: { kind: 'Namespace', group: '', clusterScoped: true },
  configmap: { kind: 'ConfigMap', group: '' },
  secret: { kind: 'Secret', group: '' },
  service: { kind: 'Service', group: '' },
  serviceaccount: { kind: 'ServiceAccount', group: '' },
  role: { kind: 'Role', group: 'rbac.authorization.k8s.io' },
  rolebinding: { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io' },
  clusterrole: { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', clusterScoped: true },
  clusterrolebinding: { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', clusterScoped: true },
  customresourcedefinition: { kind: 'CustomResourceDefinition', group: 'apiextensions.k8s.io', clusterScoped: true },
  clusteroperator: { kind: 'ClusterOperator', group: 'config.openshift.io', clusterScoped: true },
};

const ALIASES: Record<string, string> = { deploy: 'deployment', ds: 'daemonset', sts: 'statefulset', ns: 'namespace', cm: 'configmap', sa: 'serviceaccount', svc: 'service', crd: 'customresourcedefinition', co: 'clusteroperator' };

/**
 * Parses `TYPE/NAMESPACE/NAME` or `TYPE/NAME` (cluster-scoped) into an override key. TYPE is a kind as kubectl
 * spells it (`deployment`, `deploy`, `Deployment`, plural too) or `Kind.group` for any other kind
 * (`Thing.example.openshift.io`); `group` overrides the group.
 */
export function parseOverrideRef(text: string, group?: string): OverrideKey {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new OkdError('invalid-input', `"${text}" is not TYPE/NAMESPACE/NAME or TYPE/NAME`, 'write e.g. deployment/openshift-image-registry/cluster-image-registry-operator');
  }
  const [type, ...rest] = parts as [string, ...string[]];
  const dot = type.indexOf('.');
  const typeName = (dot < 0 ? type : type.slice(0, dot)).toLowerCase();
  const typeGroup = dot < 0 ? undefined : type.slice(dot + 1);
  const singular = ALIASES[typeName] ?? (KNOWN_KINDS[typeName] ? typeName : KNOWN_KINDS[typeName.replace(/s$/, '')] ? typeName.replace(/s$/, '') : KNOWN_KINDS[typeName.replace(/es$/, '')] ? typeName.replace(/es$/, '') : undefined);
  const known = singular ? KNOWN_KINDS[singular] : undefined;
  let kind: string;
  let resolvedGroup: string;
  if (known && (typeGroup === undefined || typeGroup === known.group)) {
    kind = known.kind;
    resolvedGroup = known.group;
  } else if (typeGroup !== undefined || group !== undefined) {
    kind = dot < 0 ? type : type.slice(0, dot);
    if (!/^[A-Z]/.test(kind)) throw new OkdError('invalid-input', `"${kind}" is not a kind: spell it as the object's kind, e.g. ${kind.charAt(0).toUpperCase()}${kind.slice(1)}`);
    resolvedGroup = typeGroup ?? '';
  } else {
    throw new OkdError('invalid-input', `unknown kind "${type}"`, 'write Kind.group for other kinds (e.g. ConsolePlugin.console.openshift.io), or pass --group');
  }
  if (group !== undefined) resolvedGroup = group;
  const [namespace, name] = rest.length === 2 ? (rest as [string, string]) : ['', rest[0] as string];
  if (known?.clusterScoped && namespace) throw new OkdError('invalid-input', `${kind} is cluster-scoped: write ${type}/${name}`);
  return { kind, group: resolvedGroup, namespace, name };
}

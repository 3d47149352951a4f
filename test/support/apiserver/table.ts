// Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the columns `oc get` shows for
// each kind (the CRDs' additionalPrinterColumns for ClusterVersion and ClusterOperator).
import type { KubeObject } from './store';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  priority?: number;
  cell: (o: KubeObject) => string | number;
}

type Cond = { type: string; status: string; message?: string; lastTransitionTime?: string; reason?: string };
const cond = (o: KubeObject, type: string): Cond | undefined => (o.status?.conditions ?? []).find((c: Cond) => c.type === type);

export function humanAge(since: string | undefined): string {
  if (!since) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

const name: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'date', cell: (o) => humanAge(o.metadata.creationTimestamp) };

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const waiting = (o.status?.containerStatuses ?? []).map((c: { state?: { waiting?: { reason?: string } } }) => c.state?.waiting?.reason).find(Boolean);
  return waiting ?? o.status?.phase ?? 'Pending';
}

const COLUMNS: Record<string, Column[]> = {
  ClusterVersion: [
    name,
    { name: 'Version', type: 'string', cell: (o) => (o.status?.history ?? []).find((h: { state: string }) => h.state === 'Completed')?.version ?? '' },
    { name: 'Available', type: 'string', cell: (o) => cond(o, 'Available')?.status ?? '' },
    { name: 'Progressing', type: 'string', cell: (o) => cond(o, 'Progressing')?.status ?? '' },
    { name: 'Since', type: 'date', cell: (o) => humanAge(cond(o, 'Progressing')?.lastTransitionTime) },
    { name: 'Status', type: 'string', cell: (o) => cond(o, 'Progressing')?.message ?? '' },
  ],
  ClusterOperator: [
    name,
    { name: 'Version', type: 'string', cell: (o) => (o.status?.versions ?? []).find((v: { name: string }) => v.name === 'operator')?.version ?? '' },
    { name: 'Available', type: 'string', cell: (o) => cond(o, 'Available')?.status ?? '' },
    { name: 'Progressing', type: 'string', cell: (o) => cond(o, 'Progressing')?.status ?? '' },
    { name: 'Degraded', type: 'string', cell: (o) => cond(o, 'Degraded')?.status ?? '' },
    { name: 'Since', type: 'date', cell: (o) => humanAge(cond(o, 'Available')?.lastTransitionTime) },
    { name: 'Message', type: 'string', cell: (o) => cond(o, 'Progressing')?.message ?? '' },
  ],
  Deployment: [
    name,
    { name: 'Ready', type: 'string', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
    age,
    { name: 'Containers', type: 'string', priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: { name: string }) => c.name).join(',') },
    { name: 'Images', type: 'string', priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image).join(',') },
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.readyReplicas ?? 0 },
    age,
  ],
  Pod: [
    name,
    { name: 'Ready', type: 'string', cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: { ready: boolean }) => c.ready).length}/${(o.spec?.containers ?? []).length}` },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0)) },
    age,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? 'Active' }, age],
};

export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '');
}

export function toTable(kind: string, objects: KubeObject[], resourceVersion: string): object {
  const cols = COLUMNS[kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c === name ? 'name' : '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/**
 * What the release controller says about one release tag: `GET /api/v1/releasestream/<stream>/release/<tag>`
 * answers APIReleaseInfo (openshift/release-controller `pkg/release-controller/types.go`):
 * `{name, phase, results: {blockingJobs, informingJobs, pendingJobs}, upgradesTo, upgradesFrom, changeLog}`.
 * Job maps are `name -> VerificationStatus {state, url, retries, transitionTime}`; upgrade entries are
 * UpgradeHistory, a Go struct without JSON tags, so its fields come capitalised: `{From, To, Success, Failure,
 * Total, History: {<prow url>: {state, url}}}`.
 */

/** Succeeded, Failed or Pending (ReleaseVerificationState*); kept as given when the controller adds a state. */
export type JobState = string;

export interface VerificationJob {
  /** The short name in the stream's verify config (`aws`, `upgrade`, ...). */
  name: string;
  state: JobState;
  /** The job run (Prow) page. */
  url?: string;
  retries?: number;
  transitionTime?: string;
}

export interface UpgradeRun {
  state: JobState;
  url: string;
}

/** The upgrade tests recorded between two tags. */
export interface UpgradeEdgeResult {
  from: string;
  to: string;
  success: number;
  failure: number;
  total: number;
  runs: UpgradeRun[];
}

export interface ReleaseResults {
  name: string;
  phase: string;
  blockingJobs: VerificationJob[];
  informingJobs: VerificationJob[];
  pendingJobs: VerificationJob[];
  /** Upgrades tested into this tag (`From` is the other tag). */
  upgradesTo: UpgradeEdgeResult[];
  /** Upgrades tested out of this tag (`To` is the other tag). */
  upgradesFrom: UpgradeEdgeResult[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Either spelling of a field: UpgradeHistory's `From`, or `from` should the controller ever tag it. */
function field(o: Record<string, unknown>, name: string): unknown {
  return o[name] ?? o[name.charAt(0).toLowerCase() + name.slice(1)];
}

const STATE_ORDER: Record<string, number> = { Failed: 0, Pending: 1, Succeeded: 2 };

function jobs(map: unknown): VerificationJob[] {
  if (!isObject(map)) return [];
  const out: VerificationJob[] = [];
  for (const [name, status] of Object.entries(map)) {
    if (!isObject(status)) continue;
    const job: VerificationJob = { name, state: str(status.state) ?? 'Pending' };
    const url = str(status.url);
    if (url) job.url = url;
    if (num(status.retries) > 0) job.retries = num(status.retries);
    const when = str(status.transitionTime);
    if (when) job.transitionTime = when;
    out.push(job);
  }
  // Failures first: they are what a person looks for.
  return out.sort((a, b) => (STATE_ORDER[a.state] ?? 1) - (STATE_ORDER[b.state] ?? 1) || a.name.localeCompare(b.name));
}

function upgrades(list: unknown): UpgradeEdgeResult[] {
  if (!Array.isArray(list)) return [];
  const byEdge = new Map<string, UpgradeEdgeResult>();
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const from = str(field(entry, 'From'));
    const to = str(field(entry, 'To'));
    if (!from || !to) continue;
    const runs: UpgradeRun[] = [];
    const history = field(entry, 'History');
    if (isObject(history)) {
      for (const [key, run] of Object.entries(history)) {
        if (!isObject(run)) continue;
        runs.push({ state: str(run.state) ?? str(run.State) ?? 'Pending', url: str(run.url) ?? str(run.URL) ?? str(run.Url) ?? key });
      }
    }
    // Older controllers listed an edge once per source of the target; one row per edge, runs merged.
    const key = `${from}\n${to}`;
    const known = byEdge.get(key);
    const edge: UpgradeEdgeResult = { from, to, success: num(field(entry, 'Success')), failure: num(field(entry, 'Failure')), total: num(field(entry, 'Total')), runs };
    if (!known) {
      byEdge.set(key, edge);
    } else {
      const urls = new Set(known.runs.map((r) => r.url));
      for (const run of runs) if (!urls.has(run.url)) known.runs.push(run);
      known.success = Math.max(known.success, edge.success);
      known.failure = Math.max(known.failure, edge.failure);
      known.total = Math.max(known.total, edge.total, known.runs.length);
    }
  }
  for (const edge of byEdge.values()) edge.runs.sort((a, b) => a.url.localeCompare(b.url));
  return [...byEdge.values()];
}

/** Parses an APIReleaseInfo body; undefined when it is not one (no `name`). */
export function parseReleaseInfo(body: unknown): ReleaseResults | undefined {
  if (!isObject(body) || typeof body.name !== 'string') return undefined;
  const results = isObject(body.results) ? body.results : {};
  return {
    name: body.name,
    phase: typeof body.phase === 'string' ? body.phase : '',
    blockingJobs: jobs(results.blockingJobs),
    informingJobs: jobs(results.informingJobs),
    pendingJobs: jobs(results.pendingJobs),
    upgradesTo: upgrades(body.upgradesTo),
    upgradesFrom: upgrades(body.upgradesFrom),
  };
}

/** The state of an upgrade edge as the controller's graph counts it: any success passes it. */
export function upgradeState(edge: UpgradeEdgeResult): JobState {
  if (edge.success > 0) return 'Succeeded';
  if (edge.failure > 0) return 'Failed';
  return 'Pending';
}

/** The tag's page on the release controller (the web page the API mirrors). */
export function releaseTagPage(controllerUrl: string, stream: string, tag: string): string {
  return `${controllerUrl.replace(/\/+$/, '')}/releasestream/${encodeURIComponent(stream)}/release/${encodeURIComponent(tag)}`;
}

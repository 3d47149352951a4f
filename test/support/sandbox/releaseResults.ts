/**
 * What the sandbox's release controller says about its tags: verification jobs and upgrade tests, in the shapes of
 * openshift/release-controller `pkg/release-controller/types.go` (VerificationJobsSummary, UpgradeHistory) and
 * `cmd/release-controller/http_upgrade_graph.go` (the Cincinnati graph). Job links point back at the controller
 * (`/view/gs/...`, a small page), so everything a test opens stays on loopback.
 */

export type JobState = 'Succeeded' | 'Failed' | 'Pending';

export interface TagJob {
  /** Short name in the stream's verify config. */
  name: string;
  /** The Prow job it runs. */
  prowJob: string;
  state: JobState;
  retries?: number;
}

export interface TagResults {
  blocking: TagJob[];
  informing: TagJob[];
  pending?: TagJob[];
}

/** One upgrade test run between two tags (UpgradeRecord). */
export interface UpgradeRun {
  from: string;
  to: string;
  state: JobState;
  prowJob: string;
}

const job = (name: string, prowJob: string, state: JobState, retries?: number): TagJob => ({ name, prowJob, state, ...(retries ? { retries } : {}) });

/** Verification of the demo releases: .0 and .1 accepted, the 4.20 candidate rejected by a failed blocking job. */
export const demoResults: Record<string, TagResults> = {
  '4.19.0-okd-scos.0': {
    blocking: [job('aws', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-aws-ovn', 'Succeeded'), job('upgrade', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-aws-ovn-upgrade', 'Succeeded')],
    informing: [job('gcp', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-gcp-ovn', 'Succeeded')],
  },
  '4.19.0-okd-scos.1': {
    blocking: [job('aws', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-aws-ovn', 'Succeeded'), job('upgrade', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-aws-ovn-upgrade', 'Succeeded', 1)],
    informing: [job('gcp', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-gcp-ovn', 'Failed'), job('vsphere', 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-vsphere-ovn', 'Succeeded')],
  },
  '4.20.0-okd-scos.ec.1': {
    blocking: [job('aws', 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-aws-ovn', 'Failed', 2), job('upgrade', 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-aws-ovn-upgrade-from-4.19', 'Failed')],
    informing: [job('gcp', 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-gcp-ovn', 'Succeeded')],
    pending: [job('metal', 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-metal-ipi-ovn', 'Pending')],
  },
};

/** The upgrade tests the controller recorded between the demo releases. */
export const demoUpgrades: UpgradeRun[] = [
  { from: '4.19.0-okd-scos.0', to: '4.19.0-okd-scos.1', state: 'Succeeded', prowJob: 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-aws-ovn-upgrade' },
  { from: '4.19.0-okd-scos.0', to: '4.19.0-okd-scos.1', state: 'Succeeded', prowJob: 'periodic-ci-openshift-release-master-okd-scos-4.19-e2e-gcp-ovn-upgrade' },
  { from: '4.19.0-okd-scos.1', to: '4.20.0-okd-scos.ec.1', state: 'Failed', prowJob: 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-aws-ovn-upgrade-from-4.19' },
];

/** A Prow run id as Prow writes them (19 digits), stable per job and tag. */
function runId(prowJob: string, tag: string): string {
  let h = 1_900_000_000_000_000_000n;
  for (const c of `${prowJob}/${tag}`) h = (h * 31n + BigInt(c.charCodeAt(0))) % 99_999_999_999_999_999n;
  return String(1_900_000_000_000_000_000n + h);
}

export function jobUrl(base: string, prowJob: string, tag: string): string {
  return `${base}/view/gs/test-platform-results/logs/${prowJob}/${runId(prowJob, tag)}`;
}

const TRANSITION = '2025-06-30T07:41:12Z';

function statusMap(base: string, tag: string, jobs: TagJob[] | undefined): Record<string, unknown> | undefined {
  if (!jobs || jobs.length === 0) return undefined;
  return Object.fromEntries(
    jobs.map((j) => [j.name, { state: j.state, url: jobUrl(base, j.prowJob, tag), ...(j.retries ? { retries: j.retries } : {}), ...(j.state !== 'Pending' ? { transitionTime: TRANSITION } : {}) }]),
  );
}

/** UpgradeHistory entries (no JSON tags upstream, so capitalised fields), for edges into or out of `tag`. */
function histories(base: string, runs: UpgradeRun[], tag: string, side: 'to' | 'from'): unknown[] {
  const edges = new Map<string, UpgradeRun[]>();
  for (const run of runs) {
    if (run[side] !== tag) continue;
    const key = `${run.from} ${run.to}`;
    edges.set(key, [...(edges.get(key) ?? []), run]);
  }
  return [...edges.values()].map((list) => {
    const first = list[0] as UpgradeRun;
    const history: Record<string, { state: string; url: string }> = {};
    for (const run of list) {
      const url = jobUrl(base, run.prowJob, `${run.from}-${run.to}`);
      history[url] = { state: run.state, url };
    }
    return {
      From: first.from,
      To: first.to,
      Success: list.filter((r) => r.state === 'Succeeded').length,
      Failure: list.filter((r) => r.state === 'Failed').length,
      Total: list.length,
      History: history,
    };
  });
}

/** The APIReleaseInfo body for a tag (`changeLog` is left out, as the controller does when it has none). */
export function releaseInfoBody(base: string, tag: { name: string; phase: string }, results: TagResults | undefined, runs: UpgradeRun[]): unknown {
  const summary: Record<string, unknown> = {};
  const blocking = statusMap(base, tag.name, results?.blocking);
  const informing = statusMap(base, tag.name, results?.informing);
  const pending = statusMap(base, tag.name, results?.pending);
  if (blocking) summary.blockingJobs = blocking;
  if (informing) summary.informingJobs = informing;
  if (pending) summary.pendingJobs = pending;
  const body: Record<string, unknown> = { name: tag.name, phase: tag.phase, results: summary };
  const to = histories(base, runs, tag.name, 'to');
  const from = histories(base, runs, tag.name, 'from');
  if (to.length) body.upgradesTo = to;
  if (from.length) body.upgradesFrom = from;
  return body;
}

/**
 * The Cincinnati graph the controller serves at /graph: every tag a node, an edge per upgrade tested, filtered by
 * channel as http_upgrade_graph.go does (its current version, with OKD's stable-scos-* and next-* channels).
 * Undefined for a channel it refuses (400 upstream).
 */
export function graphBody(tags: { name: string; pullSpec: string }[], runs: UpgradeRun[], channel: string): unknown {
  const index = new Map(tags.map((t, i) => [t.name, i]));
  // stable-scos-4 (the channel of an OKD SCOS cluster, and of the sandbox's) keeps the passed edges into 4.*, as
  // next-scos-4 does; the scos prefixes are matched before stable- and next-.
  const branch = (prefix: string) => channel.startsWith(prefix) && channel.slice(prefix.length);
  const keep = (to: string, passed: boolean): boolean | undefined => {
    if (['', 'stable', 'stable-scos', 'next', 'next-scos'].includes(channel)) return passed;
    if (channel === 'prerelease' || channel === 'nightly') return true;
    for (const prefix of ['stable-scos-', 'stable-', 'next-scos-', 'next-']) {
      const b = branch(prefix);
      if (b) return passed && to.startsWith(`${b}.`);
    }
    if (channel.startsWith('prerelease-')) return to.startsWith(`${channel.slice('prerelease-'.length)}.`);
    if (channel.startsWith('nightly-')) return to.startsWith(`${channel.slice('nightly-'.length)}.0-0.nightly-`);
    return undefined;
  };
  const edges: [number, number][] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    const key = `${run.from} ${run.to}`;
    if (seen.has(key)) continue;
    const passed = runs.some((r) => r.from === run.from && r.to === run.to && r.state === 'Succeeded');
    const verdict = keep(run.to, passed);
    if (verdict === undefined) return undefined;
    const from = index.get(run.from);
    const to = index.get(run.to);
    if (!verdict || from === undefined || to === undefined) continue;
    seen.add(key);
    edges.push([from, to]);
  }
  if (keep('', false) === undefined) return undefined;
  return { nodes: tags.map((t) => ({ version: t.name, payload: t.pullSpec })), edges };
}

import { isDeepStrictEqual } from 'node:util';
import vscode = require('vscode');
import { CancelledError } from '../../core/cancel';
import { ClusterClient, type WatchHandle } from '../../core/cluster/client';
import { type ConnectionHandlers, watchClusterOperators, watchClusterVersion } from '../../core/cluster/clusterversion';
import { kubeconfigFiles } from '../../core/cluster/kubeconfig';
import { patchedSelector } from '../../core/cluster/restore';
import type { ClusterStatus } from '../../core/cluster/status';
import { denyPart, emptyLiveStatus, liveClusterStatus, type LiveStatus, partFailure, readLiveStatus, readPart, setPart, type StatusPart } from '../../core/cluster/statusParts';
import { objectCollectionPath, OPERAND_OBJECT_KINDS } from '../../core/cluster/operandObjects';
import { operandPatchedSelector } from '../../core/cluster/statusOperands';
import { PATCHABLE_KINDS, type PatchableWorkload } from '../../core/cluster/types';
import { workloadCollectionPath } from '../../core/cluster/workloads';
import { describeError, OkdError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { readSettings } from '../settings';
import { withTimeout } from './timeout';

type WatchedKind = (typeof OPERAND_OBJECT_KINDS)[number];

/** How long the first connection (kubeconfig, ClusterVersion, ClusterOperators) may take before the view says so. */
export const CONNECT_TIMEOUT_MS = 5_000;
const DEBOUNCE_MS = 200;

export type ClusterState =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  /** No kubeconfig anywhere: the view's welcome text explains where it looks. */
  | { kind: 'none' }
  | { kind: 'error'; message: string }
  /** `reconnecting`: a watch lost the API server and is trying again (why), the status shown is the last seen. */
  | { kind: 'connected'; status: ClusterStatus; reconnecting?: string };

/** `okd.cluster.state` as the package.json when-clauses know it. */
export function contextState(state: ClusterState): 'none' | 'connected' | 'error' | undefined {
  switch (state.kind) {
    case 'none':
    case 'idle':
      return 'none';
    case 'connected':
      return 'connected';
    case 'error':
      return 'error';
    default:
      return undefined;
  }
}

function connectOptions(logger: Logger): { kubeconfig?: string; context?: string; logger: Logger } {
  const s = readSettings();
  return { ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}), ...(s.context ? { context: s.context } : {}), logger };
}

/**
 * The cluster as the Cluster view and the status bar see it: one connection for the current okd.kubeconfig and
 * okd.context, the status read once, then kept current by watches (ClusterVersion, ClusterOperators, our patched
 * Deployments and DaemonSets) while the view is visible, rebuilt at most every DEBOUNCE_MS. Nothing here polls.
 * A part the user may not read (403) is shown as such and the rest as usual; a 401 or an unreachable server is
 * the one error of the whole view.
 */
export class ClusterModel implements vscode.Disposable {
  private stateValue: ClusterState = { kind: 'idle' };
  private client: ClusterClient | undefined;
  private connecting: Promise<ClusterClient> | undefined;
  private generation = 0;
  /** Cancels the status reads in flight when the watches stop (reconnect, hidden view, dispose). */
  private reads = new vscode.CancellationTokenSource();
  private watches: WatchHandle[] = [];
  private live: LiveStatus = emptyLiveStatus();
  private timer: NodeJS.Timeout | undefined;
  private watchedPatched = new Set<string>();
  /** Watches trying to reach the API server again: watch -> why. */
  private readonly reconnecting = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<ClusterState>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly logger: Logger,
    private readonly isVisible: () => boolean,
  ) {}

  get state(): ClusterState {
    return this.stateValue;
  }

  get status(): ClusterStatus | undefined {
    return this.stateValue.kind === 'connected' ? this.stateValue.status : undefined;
  }

  /** Connects (once) and reads the status, within CONNECT_TIMEOUT_MS; the view calls this when it is first shown. */
  async load(): Promise<ClusterState> {
    if (this.stateValue.kind === 'idle') await this.reconnect();
    else if (this.connecting) await this.connecting.catch(() => undefined);
    return this.stateValue;
  }

  /**
   * A connected client for a command: the current one, or a new connection (time-bounded). Throws the error the
   * view shows.
   */
  async connected(): Promise<ClusterClient> {
    if (this.client) return this.client;
    if (!this.connecting) await this.reconnect();
    else await this.connecting.catch(() => undefined);
    if (this.client) return this.client;
    const state = this.stateValue;
    throw new OkdError('unreachable', state.kind === 'error' ? state.message : 'no cluster is connected', state.kind === 'none' ? 'set okd.kubeconfig or log in with `oc login`' : undefined);
  }

  /** Drops the connection and watches, then connects again (Refresh, Retry, a settings change). */
  async reconnect(): Promise<void> {
    const generation = ++this.generation;
    this.stopWatches();
    this.client = undefined;
    this.live = emptyLiveStatus();
    const options = connectOptions(this.logger);
    if (!options.kubeconfig && kubeconfigFiles({}).length === 0) {
      this.logger.info('cluster: no kubeconfig (KUBECONFIG unset, ~/.kube/config missing, okd.kubeconfig empty)');
      this.connecting = undefined;
      this.setState({ kind: 'none' });
      return;
    }
    this.setState({ kind: 'connecting' });
    const connecting = (async () => {
      // No terminal here: an exec plugin gets no stdin, and what it writes to stderr (a login URL, why it failed)
      // goes to the log. Obtaining credentials may take a user's minute, so the timeout starts after it.
      const client = await ClusterClient.connect({ ...options, terminal: false, execStderr: (line) => this.logger.info(`cluster: credential plugin: ${line}`) });
      this.logger.info(`cluster: connecting to ${client.server} (context ${client.context})`);
      const live = await withTimeout(
        readLiveStatus(client),
        CONNECT_TIMEOUT_MS,
        () => new OkdError('unreachable', `the cluster did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`, 'check okd.kubeconfig and okd.context, and that the cluster is up'),
      );
      return { client, live };
    })();
    this.connecting = connecting.then((c) => c.client);
    try {
      const { client, live } = await connecting;
      if (generation !== this.generation) return;
      this.client = client;
      this.live = live;
      const status = liveClusterStatus(client, live);
      this.logger.info(`cluster: connected to ${client.server} (context ${client.context}), release ${status.release?.version ?? 'unknown'}, ${status.overrides.length} override(s)`);
      for (const u of status.unreadable ?? []) this.logger.info(`cluster: ${u.part}: ${u.message}: ${u.detail}`);
      this.setState({ kind: 'connected', status });
      if (this.isVisible()) this.startWatches();
    } catch (err) {
      if (generation !== this.generation) return;
      const message = describeError(err);
      this.logger.warn(`cluster: ${message}`);
      this.setState({ kind: 'error', message });
    } finally {
      if (generation === this.generation) this.connecting = undefined;
    }
  }

  /** Reads the status again now (after a command changed the cluster), keeping the connection. */
  async reread(): Promise<void> {
    const client = this.client;
    if (!client) return this.reconnect();
    const generation = this.generation;
    try {
      const live = await readLiveStatus(client);
      if (generation !== this.generation) return;
      this.live = live;
      this.setState(this.connectedState(liveClusterStatus(client, live)));
    } catch (err) {
      if (generation !== this.generation) return;
      this.failed(err);
    }
  }

  viewVisibilityChanged(visible: boolean): void {
    if (!visible) this.stopWatches();
    else if (this.client && this.watches.length === 0) {
      void this.reread().then(() => {
        if (this.isVisible() && this.watches.length === 0) this.startWatches();
      });
    }
  }

  private setState(state: ClusterState): void {
    // A watch event that changes nothing shown (an operator's heartbeat, a status write with the same conditions)
    // does not redraw the view: each redraw replaces the rows' inline buttons, and a click that spans it is lost.
    if (isDeepStrictEqual(state, this.stateValue)) return;
    this.stateValue = state;
    void vscode.commands.executeCommand('setContext', 'okd.cluster.state', contextState(state));
    void vscode.commands.executeCommand('setContext', 'okd.cluster.hasOverrides', state.kind === 'connected' && state.status.overrides.length > 0);
    this.changed.fire(state);
  }

  private failed(err: unknown): void {
    this.stopWatches();
    this.client = undefined;
    const message = describeError(err);
    this.logger.warn(`cluster: ${message}`);
    this.setState({ kind: 'error', message });
  }

  private startWatches(): void {
    const client = this.client;
    if (!client || this.watches.length) return;
    const generation = this.generation;
    const current = () => generation === this.generation && this.client === client;
    /** A watch that gave up: a 403 marks its part unreadable (the rest stays), anything else fails the view. */
    const onError = (part: StatusPart) => (err: Error) => {
      if (!current()) return;
      const failure = partFailure(part, err, client);
      if (failure.kind === 'fatal') return this.failed(err);
      if (failure.kind === 'unreadable') {
        this.logger.info(`cluster: ${failure.unreadable.message}: ${failure.unreadable.detail}`);
        denyPart(this.live, part, failure.unreadable);
      } else setPart(this.live, part, []);
      this.schedule(false);
    };
    const readable = (part: StatusPart) => this.live.unreadable[part] === undefined;
    const connection = (watch: string) => this.connectionHandlers(watch, current);
    this.logger.debug('cluster: watching ClusterVersion, ClusterOperators and patched Deployments and DaemonSets');
    const add = (part: StatusPart, handle: Promise<WatchHandle>) =>
      handle.then(
        (h) => {
          if (generation !== this.generation || !this.watches.includes(placeholder)) h.stop();
          else this.watches.push(h);
        },
        onError(part),
      );
    // A placeholder marks "watching" at once, so a second call does not start a second set.
    const placeholder: WatchHandle = { stop: () => undefined };
    this.watches.push(placeholder);
    if (readable('clusterVersion')) {
      void add(
        'clusterVersion',
        watchClusterVersion(
          client,
          (cv) => {
            setPart(this.live, 'clusterVersion', cv);
            this.schedule(true);
          },
          onError('clusterVersion'),
          connection('clusterVersion'),
        ),
      );
    }
    if (readable('clusterOperators')) {
      void add(
        'clusterOperators',
        watchClusterOperators(
          client,
          (cos) => {
            setPart(this.live, 'clusterOperators', cos);
            this.schedule(false);
          },
          onError('clusterOperators'),
          connection('clusterOperators'),
        ),
      );
    }
    // New patches show up through the label; a restore removes the label, which only a watch by name sees.
    for (const kind of PATCHABLE_KINDS) {
      if (!readable(kind)) continue;
      this.watches.push(client.inform<PatchableWorkload>(workloadCollectionPath(kind), { labelSelector: patchedSelector }, { onEvent: () => this.schedule(true), onError: onError(kind), ...connection(kind) }));
    }
    // Operand patches: the objects they edited carry our other label (Deployments, DaemonSets, ConfigMaps).
    if (readable('operands')) {
      for (const kind of OPERAND_OBJECT_KINDS) {
        const watch = `operands/${kind}`;
        this.watches.push(
          client.inform<PatchableWorkload>(objectCollectionPath(kind), { labelSelector: operandPatchedSelector }, { onEvent: () => this.schedule(true), onError: kind === 'ConfigMap' ? onError('operands') : () => undefined, ...connection(watch) }),
        );
      }
    }
  }

  /** Watches each object by name (a restore removes our label; an operand's workload carries none). */
  private watchPatched(kind: WatchedKind, objects: { metadata: { name: string; namespace?: string } }[]): void {
    const client = this.client;
    if (!client || !this.watches.length) return;
    for (const w of objects) {
      const key = `${kind}/${w.metadata.namespace}/${w.metadata.name}`;
      if (this.watchedPatched.has(key)) continue;
      this.watchedPatched.add(key);
      this.watches.push(
        client.inform<PatchableWorkload>(
          objectCollectionPath(kind, w.metadata.namespace),
          { fieldSelector: `metadata.name=${w.metadata.name}` },
          {
            onSync: () => this.schedule(true),
            onEvent: () => this.schedule(true),
            onError: () => {
              this.watchedPatched.delete(key);
              if (this.reconnecting.delete(key)) this.schedule(false);
            },
            ...this.connectionHandlers(key, () => this.client === client),
          },
        ),
      );
    }
  }

  /** A watch that lost the server marks the view reconnecting until every such watch hears the server again. */
  private connectionHandlers(watch: string, current: () => boolean): ConnectionHandlers {
    return {
      onRetry: (retry) => {
        if (!current()) return;
        const fresh = !this.reconnecting.has(watch);
        this.reconnecting.set(watch, retry.why);
        if (fresh) this.schedule(false);
      },
      onReconnected: () => {
        if (current() && this.reconnecting.delete(watch)) this.schedule(false);
      },
    };
  }

  private connectedState(status: ClusterStatus): ClusterState {
    const why = this.reconnecting.values().next().value;
    return { kind: 'connected', status, ...(why ? { reconnecting: why } : {}) };
  }

  private stopWatches(): void {
    this.reads.cancel();
    this.reads.dispose();
    this.reads = new vscode.CancellationTokenSource();
    this.reconnecting.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watches) w.stop();
    this.watches = [];
    this.watchedPatched.clear();
  }

  /** The objects of the operand patches and the operand's workloads, watched by name. */
  private watchOperands(): void {
    const input = this.live.operands;
    if (!input) return;
    for (const kind of OPERAND_OBJECT_KINDS) this.watchPatched(kind, input.objects.filter((o) => o.kind === kind).map((o) => o.object));
    const running = new Set(liveClusterStatus(this.client as ClusterClient, this.live).operands.flatMap((p) => p.operands.map((r) => `${r.kind}/${r.namespace}/${r.name}`)));
    for (const kind of PATCHABLE_KINDS) this.watchPatched(kind, input.workloads.filter((w) => w.kind === kind && running.has(`${kind}/${w.object.metadata.namespace}/${w.object.metadata.name}`)).map((w) => w.object));
  }

  private relist = false;

  /** Rebuilds the status after DEBOUNCE_MS; `patched`: list our patched workloads again first. */
  private schedule(patched: boolean): void {
    this.relist ||= patched;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.rebuild(), DEBOUNCE_MS);
  }

  private async rebuild(): Promise<void> {
    this.timer = undefined;
    const client = this.client;
    const generation = this.generation;
    if (!client || this.stateValue.kind !== 'connected') return;
    try {
      // While a watch cannot reach the server a list would fail too: show what was last seen, list once it is back.
      const offline = this.reconnecting.size > 0;
      const stale = offline ? [] : PATCHABLE_KINDS.filter((kind) => this.live.unreadable[kind] === undefined && (this.relist || !this.live.patched[kind]));
      const operands = !offline && this.live.unreadable.operands === undefined && (this.relist || !this.live.operands);
      if (!offline) this.relist = false;
      if (stale.length || operands) {
        const next: LiveStatus = { ...this.live, patched: { ...this.live.patched }, unreadable: { ...this.live.unreadable } };
        // A list can start just before the watches see the API server go (a restart): it rides out the 503 or the
        // refused connection as they do, instead of failing the whole view.
        const token = this.reads.token;
        await Promise.all([...stale, ...(operands ? (['operands'] as const) : [])].map((part) => client.retryRead(() => readPart(client, next, part), { what: `reading the cluster status (${part})`, token })));
        if (generation !== this.generation) return;
        if (operands) {
          if (next.unreadable.operands) denyPart(this.live, 'operands', next.unreadable.operands);
          else setPart(this.live, 'operands', next.operands ?? { objects: [], workloads: [] });
          this.watchOperands();
        }
        for (const kind of stale) {
          if (next.unreadable[kind]) denyPart(this.live, kind, next.unreadable[kind]);
          else setPart(this.live, kind, next.patched[kind] ?? []);
          this.watchPatched(kind, this.live.patched[kind] ?? []);
        }
      }
      this.setState(this.connectedState(liveClusterStatus(client, this.live)));
    } catch (err) {
      if (generation === this.generation && !(err instanceof CancelledError)) this.failed(err);
    }
  }

  dispose(): void {
    this.generation++;
    this.stopWatches();
    this.changed.dispose();
  }
}

import { Writable } from 'node:stream';
import vscode = require('vscode');
import type * as KubeLog from './kubeLog.mjs' with { 'resolution-mode': 'import' };
import type { ClusterClient } from '../../core/cluster/client';
import { podProblem } from '../../core/cluster/rollout';
import { labelSelectorString } from '../../core/cluster/selector';
import type { PatchableKind, PatchableWorkload, Pod } from '../../core/cluster/types';
import { describeWorkload, getWorkload, WORKLOAD_RESOURCES } from '../../core/cluster/workloads';
import { OkdError } from '../../core/errors';
import type { Logger } from '../../core/log';

export interface LogTarget {
  operator: string;
  /** Deployment when absent. */
  kind?: PatchableKind;
  namespace: string;
  name: string;
}

export interface FollowResult {
  pod: string;
  container: string;
  channel: string;
  lines: number;
  /** The last line read, for a caller that wants to check it. */
  last?: string;
}

/** The pod to read: a Ready one of the current template first, then any running one, then the newest. */
export function choosePod(deployment: PatchableWorkload, pods: Pod[]): Pod | undefined {
  const images = new Map((deployment.spec?.template?.spec?.containers ?? []).map((c) => [c.name, c.image]));
  const current = (p: Pod) => (p.spec?.containers ?? []).every((c) => images.get(c.name) === c.image);
  const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const score = (p: Pod) => (current(p) ? 4 : 0) + (ready(p) ? 2 : 0) + (p.status?.phase === 'Running' ? 1 : 0);
  return [...pods].sort((a, b) => score(b) - score(a))[0];
}

/**
 * One output channel per operator (`OKD: <operator> logs`), fed by client-node's Log API. Following stops on
 * cancel, when the channel's document is closed, when the pod's stream ends, or on dispose.
 */
export class PodLogFollowers implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly active = new Set<() => void>();

  constructor(private readonly logger: Logger) {}

  channel(operator: string): vscode.OutputChannel {
    const name = `OKD: ${operator} logs`;
    let channel = this.channels.get(name);
    if (!channel) {
      channel = vscode.window.createOutputChannel(name);
      this.channels.set(name, channel);
    }
    return channel;
  }

  async follow(client: ClusterClient, target: LogTarget, options: { follow: boolean; container?: string; token: vscode.CancellationToken; report: (m: string) => void }): Promise<FollowResult> {
    const kind = target.kind ?? 'Deployment';
    const where = describeWorkload(kind, target.namespace, target.name);
    const workload = await getWorkload(client, kind, target.namespace, target.name);
    const pods = await client.listPods(target.namespace, labelSelectorString(workload.spec?.selector, `the selector of ${where}`));
    const pod = choosePod(workload, pods);
    if (!pod) throw new OkdError('not-found', `${where} has no pods`, `check it with \`oc get ${WORKLOAD_RESOURCES[kind].kubectl},pods -n ${target.namespace}\``);
    const containers = (pod.spec?.containers ?? []).map((c) => c.name);
    const container = options.container ?? containers.find((c) => c === target.name) ?? containers[0];
    if (!container || !containers.includes(container)) throw new OkdError('not-found', `pod ${pod.metadata.name} has no container ${options.container ?? ''}`.trim(), containers.length ? `containers: ${containers.join(', ')}` : undefined);
    const channel = this.channel(target.operator);
    channel.clear();
    channel.show(true);
    const problem = podProblem(pod);
    channel.appendLine(`# ${options.follow ? 'following' : 'reading'} pod ${target.namespace}/${pod.metadata.name} container ${container}${problem ? ` (${problem.message})` : ''}`);
    this.logger.info(`cluster: ${options.follow ? 'following' : 'reading'} logs of pod ${target.namespace}/${pod.metadata.name} container ${container}`);
    options.report(`${options.follow ? 'following' : 'reading'} ${pod.metadata.name}/${container}`);

    let lines = 0;
    let partial = '';
    let last: string | undefined;
    const { Log } = (await import('./kubeLog.mjs')) as typeof KubeLog;
    return new Promise<FollowResult>((resolve, reject) => {
      let controller: AbortController | undefined;
      let finished = false;
      const subscriptions: vscode.Disposable[] = [];
      const finish = (err?: unknown) => {
        if (finished) return;
        finished = true;
        this.active.delete(stop);
        controller?.abort();
        for (const s of subscriptions) s.dispose();
        if (partial) {
          channel.appendLine(partial);
          last = partial;
          lines++;
          partial = '';
        }
        if (err) reject(err);
        else resolve({ pod: pod.metadata.name, container, channel: `OKD: ${target.operator} logs`, lines, ...(last !== undefined ? { last } : {}) });
      };
      const stop = () => finish();
      this.active.add(stop);
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          const text = partial + chunk.toString('utf8');
          const parts = text.split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) channel.appendLine(line);
          if (parts.length) last = parts[parts.length - 1];
          lines += parts.length;
          done();
        },
        final(done) {
          done();
          finish();
        },
      });
      subscriptions.push(
        options.token.onCancellationRequested(() => {
          channel.appendLine('# stopped');
          finish();
        }),
        // Closing the output (its document) ends the follow, so nothing streams into a channel nobody reads.
        vscode.workspace.onDidCloseTextDocument((doc) => {
          if (doc.uri.scheme === 'output' && decodeURIComponent(doc.uri.path).includes(`OKD: ${target.operator} logs`)) finish();
        }),
      );
      new Log(client.config.kubeConfig)
        .log(target.namespace, pod.metadata.name, container, sink, { follow: options.follow, tailLines: 1000 })
        .then(
          (c) => {
            controller = c;
            if (finished) c.abort();
          },
          (err: unknown) => finish(new OkdError('failed', `reading the log of pod ${target.namespace}/${pod.metadata.name} failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}`)),
        );
    });
  }

  dispose(): void {
    for (const stop of [...this.active]) stop();
    for (const c of this.channels.values()) c.dispose();
  }
}

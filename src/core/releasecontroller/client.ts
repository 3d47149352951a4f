import { STATUS_CODES } from 'node:http';
import { httpRequest, type HttpResponse } from '../http';
import { CancelledError, type CancellationTokenLike, toAbortSignal } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, redact, silentLogger } from '../log';
import { describeNetworkError } from '../registry/retry';
import { parseUpgradeGraph, type UpgradeGraph } from './graph';
import { parseReleaseInfo, type ReleaseResults } from './results';

/**
 * A client for the release controller API (openshift/release-controller, `pkg/release-controller/types.go`), the
 * service behind https://amd64.origin.releases.ci.openshift.org that lists OKD release streams and their payloads.
 */

export type ReleasePhase = 'Pending' | 'Ready' | 'Accepted' | 'Rejected' | 'Failed';
export const RELEASE_PHASES: readonly ReleasePhase[] = ['Pending', 'Ready', 'Accepted', 'Rejected', 'Failed'];

/** APITag: one payload of a stream. */
export interface ReleaseControllerTag {
  name: string;
  /** Pending, Ready, Accepted, Rejected or Failed; kept as given when the controller adds a phase. */
  phase: string;
  pullSpec: string;
  downloadURL?: string;
}

/** APIRelease: a stream and its tags, newest first. */
export interface ReleaseStreamTags {
  name: string;
  tags: ReleaseControllerTag[];
}

/** The groupings `/api/v1/releasestreams/<kind>` serves. */
export type ReleaseStreamsKind = 'accepted' | 'rejected' | 'ready' | 'all';

export interface ReleaseControllerClientOptions {
  /** Bound on one request (default 15 s): a release controller that does not answer must not hold up a view. */
  timeoutMs?: number;
  logger?: Logger;
}

export class ReleaseControllerClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;

  /** `url`: the controller's address, e.g. `https://amd64.origin.releases.ci.openshift.org` (a path prefix is kept). */
  constructor(url: string, options: ReleaseControllerClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OkdError('invalid-input', `release controller URL "${url}" is not a URL`, 'write it as https://<host>, e.g. https://amd64.origin.releases.ci.openshift.org');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new OkdError('invalid-input', `release controller URL "${url}" is not http or https`, 'write it as https://<host>');
    }
    this.baseUrl = parsed.toString().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.logger = options.logger ?? silentLogger;
  }

  /** The host as shown to a person. */
  get host(): string {
    return new URL(this.baseUrl).host;
  }

  /** `GET /api/v1/releasestream/<stream>/tags[?phase=]`: the stream's payloads, newest first. */
  async streamTags(stream: string, options: { phase?: ReleasePhase } = {}, token?: CancellationTokenLike): Promise<ReleaseStreamTags> {
    const query = options.phase ? `?phase=${encodeURIComponent(options.phase)}` : '';
    const body = await this.getJson(`/api/v1/releasestream/${encodeURIComponent(stream)}/tags${query}`, `release stream "${stream}"`, token);
    if (!isObject(body) || !Array.isArray(body.tags)) throw this.malformed(`the tags of release stream "${stream}"`, 'an object with a "tags" list');
    const tags: ReleaseControllerTag[] = [];
    for (const t of body.tags) {
      if (!isObject(t) || typeof t.name !== 'string' || typeof t.pullSpec !== 'string') continue;
      const tag: ReleaseControllerTag = { name: t.name, phase: typeof t.phase === 'string' ? t.phase : '', pullSpec: t.pullSpec };
      if (typeof t.downloadURL === 'string' && t.downloadURL) tag.downloadURL = t.downloadURL;
      tags.push(tag);
    }
    return { name: typeof body.name === 'string' ? body.name : stream, tags };
  }

  /** `GET /api/v1/releasestream/<stream>/latest`: the newest Accepted payload of a stream. */
  async latest(stream: string, token?: CancellationTokenLike): Promise<ReleaseControllerTag> {
    const body = await this.getJson(`/api/v1/releasestream/${encodeURIComponent(stream)}/latest`, `release stream "${stream}"`, token);
    if (!isObject(body) || typeof body.name !== 'string' || typeof body.pullSpec !== 'string') {
      throw this.malformed(`the latest release of stream "${stream}"`, 'an object with "name" and "pullSpec"');
    }
    const tag: ReleaseControllerTag = { name: body.name, phase: typeof body.phase === 'string' ? body.phase : '', pullSpec: body.pullSpec };
    if (typeof body.downloadURL === 'string' && body.downloadURL) tag.downloadURL = body.downloadURL;
    return tag;
  }

  /** `GET /api/v1/releasestreams/<kind>`: stream name -> tag names. */
  async releaseStreams(kind: ReleaseStreamsKind = 'accepted', token?: CancellationTokenLike): Promise<Record<string, string[]>> {
    const body = await this.getJson(`/api/v1/releasestreams/${kind}`, `the ${kind} release streams`, token);
    if (!isObject(body)) throw this.malformed(`the ${kind} release streams`, 'an object of stream names');
    const streams: Record<string, string[]> = {};
    for (const [name, tags] of Object.entries(body)) {
      streams[name] = Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
    }
    return streams;
  }

  /**
   * `GET /api/v1/releasestream/<stream>/release/<tag>`: the tag's phase, verification jobs and upgrade results.
   * The controller answers an unknown tag with 404 (text `unable to find release tag ..., it may have been deleted`).
   */
  async releaseResults(stream: string, tag: string, token?: CancellationTokenLike): Promise<ReleaseResults> {
    const body = await this.getJson(`/api/v1/releasestream/${encodeURIComponent(stream)}/release/${encodeURIComponent(tag)}`, `release ${tag} in stream "${stream}"`, token, {
      notFound: `check the tag and stream (okd-dev release info TAG --results finds the stream itself); the controller drops old tags, so ${tag} may have been deleted`,
    });
    const results = parseReleaseInfo(body);
    if (!results) throw this.malformed(`release ${tag} of stream "${stream}"`, 'an object with "name" and "results"');
    return results;
  }

  /** `GET /graph?channel=`: the channel's upgrade graph (Cincinnati JSON). */
  async upgradeGraph(channel: string, token?: CancellationTokenLike): Promise<UpgradeGraph> {
    const body = await this.getJson(`/graph?channel=${encodeURIComponent(channel)}`, `upgrade graph of channel "${channel}"`, token, {
      badRequest: `the controller does not serve channel "${channel}"; its channels are stable, stable-<version>, prerelease[-<version>], nightly[-<version>]`,
      notFound: 'check that the URL is a release controller or update server that serves /graph',
    });
    const graph = parseUpgradeGraph(body, channel);
    if (!graph) throw this.malformed(`the upgrade graph of channel "${channel}"`, 'Cincinnati JSON with "nodes" and "edges"');
    return graph;
  }

  private async getJson(path: string, what: string, token?: CancellationTokenLike, hints: { notFound?: string; badRequest?: string } = {}): Promise<unknown> {
    const url = this.baseUrl + path;
    const started = Date.now();
    const cancel = toAbortSignal(token);
    const controller = new AbortController();
    const onCancel = () => controller.abort(new CancelledError(`GET ${url}`));
    cancel.signal.addEventListener('abort', onCancel, { once: true });
    if (cancel.signal.aborted) onCancel();
    const timer = setTimeout(() => {
      const e = new Error(`timed out after ${(this.timeoutMs / 1000).toFixed(1)} s`);
      e.name = 'TimeoutError';
      controller.abort(e);
    }, this.timeoutMs);
    try {
      let res: HttpResponse;
      try {
        res = await httpRequest(url, { method: 'GET', headers: { Accept: 'application/json', 'User-Agent': 'okd-dev' }, signal: controller.signal, followRedirects: true });
      } catch (err) {
        const reason: unknown = controller.signal.reason;
        if (reason instanceof CancelledError) throw reason;
        // A proxy's refusal says what to do about the proxy; keep its advice, with the controller named.
        if (err instanceof OkdError) throw new OkdError(err.kind, `release controller ${this.host}, GET ${path}: ${err.message}`, err.hint, { cause: err });
        const why = reason instanceof Error && reason.name === 'TimeoutError' ? reason.message : describeNetworkError(err);
        throw new OkdError(
          'unreachable',
          `release controller ${this.host} did not answer GET ${path}: ${why}`,
          'check that it is up and reachable from here (proxy, VPN, firewall) and the URL in okd.releaseControllers, then retry',
          { cause: err },
        );
      }
      const text = await readText(res).catch((err: unknown) => {
        const reason: unknown = controller.signal.reason;
        if (reason instanceof CancelledError) throw reason;
        throw new OkdError('unreachable', `release controller ${this.host} broke off its answer to GET ${path}: ${describeNetworkError(err)}`, 'retry', { cause: err });
      });
      this.logger.debug(redact(`release controller: GET ${url} -> ${res.status} (${text.length} bytes, ${Date.now() - started} ms)`));
      if (res.status === 404) {
        throw new OkdError('not-found', `release controller ${this.host} has no ${what} (404 for GET ${path})`, hints.notFound ?? 'check the stream name in okd.releaseControllers');
      }
      if (res.status !== 200) {
        throw new OkdError(
          res.status >= 500 ? 'unreachable' : 'failed',
          `release controller ${this.host} answered GET ${path} with ${res.status} ${httpStatusText(res.status)}${snippet(text)}`,
          res.status >= 500 ? 'the controller has a problem; retry later' : res.status === 400 && hints.badRequest ? hints.badRequest : 'check the URL in okd.releaseControllers',
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new OkdError('failed', `release controller ${this.host} answered GET ${path} with something that is not JSON${snippet(text)}`, 'check that the URL in okd.releaseControllers points at a release controller');
      }
    } finally {
      clearTimeout(timer);
      cancel.signal.removeEventListener('abort', onCancel);
      cancel.dispose();
    }
  }

  private malformed(what: string, expected: string): OkdError {
    return new OkdError('failed', `release controller ${this.host} answered ${what} with an unexpected shape (expected ${expected})`, 'check that the URL in okd.releaseControllers points at a release controller');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(text: string): string {
  const line = text.trim().split('\n')[0]?.slice(0, 120) ?? '';
  return line ? `: ${line}` : '';
}

async function readText(res: HttpResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function httpStatusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}

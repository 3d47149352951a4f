import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoResults, demoUpgrades, graphBody, releaseInfoBody, type TagResults, type UpgradeRun } from './releaseResults';

export type ReleasePhase = 'Pending' | 'Ready' | 'Accepted' | 'Rejected' | 'Failed';

export interface ControllerTag {
  name: string;
  phase: ReleasePhase;
  pullSpec: string;
}

/** How the controller misbehaves for one path: a late answer, an error status, or no answer at all. */
export interface ControllerFault {
  delayMs?: number;
  status?: number;
  body?: string;
  /** Never answer (the connection stays open until the client gives up or the server stops). */
  hang?: boolean;
}

export interface ReleaseControllerData {
  /** Tag -> verification jobs (default: the demo releases'). */
  results?: Record<string, TagResults>;
  /** Upgrade tests recorded between tags (default: the demo releases'). */
  upgrades?: UpgradeRun[];
}

export interface FakeReleaseController {
  url: string;
  /** Stream name -> tags, newest first. */
  streams: Map<string, ControllerTag[]>;
  requests: string[];
  /** Path (without query) -> how to misbehave there; tests set and clear entries. */
  faults: Map<string, ControllerFault>;
  stop(): Promise<void>;
}

/**
 * A small server speaking the release controller's API (openshift/release-controller pkg/release-controller
 * types.go: APIRelease {name, tags: [APITag {name, phase, pullSpec, downloadURL}]}) for the sandbox's payloads.
 */
export async function startReleaseController(streams: Map<string, ControllerTag[]>, port = 0, data: ReleaseControllerData = {}): Promise<FakeReleaseController> {
  const requests: string[] = [];
  const faults = new Map<string, ControllerFault>();
  const results = data.results ?? demoResults;
  const upgrades = data.upgrades ?? demoUpgrades;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const fault = faults.get(url.pathname);
    if (fault?.hang) return;
    if (fault?.delayMs) {
      const timer = setTimeout(() => answer(req, res, url, fault), fault.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    answer(req, res, url, fault);
  });
  const answer = (_req: http.IncomingMessage, res: http.ServerResponse, url: URL, fault: ControllerFault | undefined) => {
    if (fault?.status) {
      res.writeHead(fault.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(fault.body ?? `${http.STATUS_CODES[fault.status] ?? 'error'}\n`);
      return;
    }
    // http.Error in Go: a text/plain body ending in a newline.
    const text = (code: number, body: string) => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(`${body}\n`);
    };
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body, null, 2));
    };
    const apiTag = (tag: ControllerTag) => ({ name: tag.name, phase: tag.phase, pullSpec: tag.pullSpec, downloadURL: `${base}/${tag.name}` });
    let match: RegExpMatchArray | null;
    if ((match = url.pathname.match(/^\/api\/v1\/releasestreams\/(accepted|rejected|ready|all)$/))) {
      const wanted = match[1];
      const body: Record<string, string[]> = {};
      for (const [name, tags] of streams) {
        body[name] = tags.filter((t) => wanted === 'all' || t.phase.toLowerCase() === wanted).map((t) => t.name);
      }
      return send(200, body);
    }
    if ((match = url.pathname.match(/^\/api\/v1\/releasestream\/([^/]+)\/tags$/))) {
      const tags = streams.get(decodeURIComponent(match[1] ?? ''));
      if (!tags) return send(404, { code: 404, message: `release stream ${match[1]} not found` });
      const phase = url.searchParams.get('phase');
      return send(200, { name: match[1], tags: tags.filter((t) => !phase || t.phase === phase).map(apiTag) });
    }
    if ((match = url.pathname.match(/^\/api\/v1\/releasestream\/([^/]+)\/latest$/))) {
      const tag = streams.get(decodeURIComponent(match[1] ?? ''))?.find((t) => t.phase === 'Accepted');
      return tag ? send(200, apiTag(tag)) : send(404, { code: 404, message: 'no accepted release' });
    }
    if ((match = url.pathname.match(/^\/api\/v1\/releasestream\/([^/]+)\/release\/([^/]+)$/))) {
      const name = decodeURIComponent(match[2] ?? '');
      const tag = streams.get(decodeURIComponent(match[1] ?? ''))?.find((t) => t.name === name);
      if (!tag) return text(404, `unable to find release tag ${name}, it may have been deleted`);
      return send(200, releaseInfoBody(base, tag, results[tag.name], upgrades));
    }
    if (url.pathname === '/graph') {
      const channel = url.searchParams.get('channel') ?? '';
      const tags = [...streams.values()].flat();
      const graph = graphBody(tags, upgrades, channel);
      if (!graph) return text(400, "Unsupported ?channel, must be '', 'prerelease', 'prerelease-*', 'nightly', 'nightly-*', 'stable', or 'stable-*");
      res.writeHead(200, { 'Content-Type': 'application/vnd.redhat.cincinnati.graph+json; version=1.0' });
      return res.end(JSON.stringify(graph, null, 2));
    }
    if (url.pathname.startsWith('/view/gs/')) {
      // A stand-in for the Prow job page the results link to.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><title>${url.pathname.split('/').slice(-2).join(' #')}</title><h1>Prow job ${url.pathname.split('/').slice(-2).join(' #')}</h1>`);
    }
    send(404, { code: 404, message: `no route ${url.pathname}` });
  };
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    streams,
    requests,
    faults,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A hanging answer (a fault) keeps its connection open: end it, so stop() returns.
        server.closeAllConnections();
      }),
  };
}

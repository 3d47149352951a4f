import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReleasePhase = 'Pending' | 'Ready' | 'Accepted' | 'Rejected' | 'Failed';

export interface ControllerTag {
  name: string;
  phase: ReleasePhase;
  pullSpec: string;
}

export interface FakeReleaseController {
  url: string;
  /** Stream name -> tags, newest first. */
  streams: Map<string, ControllerTag[]>;
  requests: string[];
  stop(): Promise<void>;
}

/**
 * A small server speaking the release controller's API (openshift/release-controller pkg/release-controller
 * types.go: APIRelease {name, tags: [APITag {name, phase, pullSpec, downloadURL}]}) for the sandbox's payloads.
 */
export async function startReleaseController(streams: Map<string, ControllerTag[]>, port = 0): Promise<FakeReleaseController> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
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
      const tag = streams.get(decodeURIComponent(match[1] ?? ''))?.find((t) => t.name === match?.[2]);
      return tag ? send(200, { name: tag.name, phase: tag.phase, pullSpec: tag.pullSpec, results: {}, upgradesTo: [], upgradesFrom: [], changeLog: '' }) : send(404, { code: 404, message: 'release not found' });
    }
    send(404, { code: 404, message: `no route ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    streams,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import * as net from 'node:net';

export interface ProxyCounters {
  /** Bytes from the registry to the client. */
  bytesToClient: number;
  /** Bytes from the client to the registry. */
  bytesFromClient: number;
  connections: number;
}

export interface TcpProxy {
  port: number;
  counters: ProxyCounters;
  /** The next n connections are accepted and then reset (RST) before any byte is passed. */
  resetNextConnections(n: number): void;
  stop(): Promise<void>;
}

/** A network link to emulate: bandwidth towards the client, shared by all connections, and a round-trip time. */
export interface LinkShape {
  bytesPerSecond: number;
  rttMs: number;
}

/**
 * Delivers `from`'s data to `to` as over `link`: each chunk arrives half an RTT later and, towards the client, after
 * the bytes before it on the shared link; the end (or a reset) after the last chunk. Everything goes through one
 * queue per direction, in order. `from` is paused while more than 1 MiB waits.
 */
function shape(from: net.Socket, to: net.Socket, link: LinkShape, clock: { free: number }, towardsClient: boolean): void {
  const queue: { at: number; act: () => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waiting = 0;
  let last = 0;
  const pump = () => {
    timer = undefined;
    while (queue.length > 0 && (queue[0] as { at: number }).at <= performance.now()) queue.shift()?.act();
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, (queue[0] as { at: number }).at - performance.now()));
  };
  const schedule = (at: number, act: () => void) => {
    last = Math.max(at, last);
    queue.push({ at: last, act });
    timer ??= setTimeout(pump, Math.max(0, last - performance.now()));
  };
  from.on('data', (d: Buffer) => {
    const now = performance.now();
    let at = now + link.rttMs / 2;
    if (towardsClient) {
      clock.free = Math.max(now, clock.free) + (d.length / link.bytesPerSecond) * 1000;
      at = clock.free + link.rttMs / 2;
    }
    waiting += d.length;
    if (waiting > 1024 * 1024) from.pause();
    schedule(at, () => {
      waiting -= d.length;
      if (!to.destroyed) to.write(d);
      if (waiting < 256 * 1024) from.resume();
    });
  });
  let ended = false;
  const end = (act: () => void) => () => {
    if (ended) return;
    ended = true;
    schedule(performance.now() + link.rttMs / 2, act);
  };
  from.once('end', end(() => to.end()));
  from.once('close', end(() => to.end()));
  from.once('error', end(() => to.destroy()));
}

/**
 * A raw TCP proxy to 127.0.0.1:targetPort (so it carries TLS as well), counting bytes each way; with `link`, traffic
 * is shaped like a real network's (benchmarks compare tools over it).
 */
export async function startTcpProxy(targetPort: number, listenPort = 0, link?: LinkShape): Promise<TcpProxy> {
  const clock = { free: 0 };
  const counters: ProxyCounters = { bytesToClient: 0, bytesFromClient: 0, connections: 0 };
  let toReset = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counters.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (toReset > 0) {
      toReset--;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    // Close each side when the other closes: a registry that hangs up (say, on a TLS probe to plain http) must not
    // leave the client waiting on a half-open socket.
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (!link) client.end(); // a shaped link ends it after the data on the way
    });
    client.on('close', () => upstream.destroy());
    if (!link) {
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    }
    client.on('data', (d: Buffer) => {
      counters.bytesFromClient += d.length;
    });
    upstream.on('data', (d: Buffer) => {
      counters.bytesToClient += d.length;
    });
    if (link) {
      shape(client, upstream, link, clock, false);
      shape(upstream, client, link, clock, true);
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counters,
    resetNextConnections(n: number) {
      toReset = n;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

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

/** A raw TCP proxy to 127.0.0.1:targetPort (so it carries TLS as well), counting bytes each way. */
export async function startTcpProxy(targetPort: number, listenPort = 0): Promise<TcpProxy> {
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
      client.end();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (d: Buffer) => {
      counters.bytesFromClient += d.length;
    });
    upstream.on('data', (d: Buffer) => {
      counters.bytesToClient += d.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
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

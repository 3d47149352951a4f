import * as net from 'node:net';
import * as os from 'node:os';

/** The machine's first non-loopback IPv4 address, if it has one (a test that needs one skips without). */
export function machineAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export interface Forward {
  /** `ADDRESS:PORT`. */
  host: string;
  stop(): Promise<void>;
}

/** Listens on `address` and passes each connection to 127.0.0.1:`targetPort` (a loopback registry seen from outside). */
export async function startForward(address: string, targetPort: number): Promise<Forward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.once('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  return {
    host: `${address}:${(server.address() as net.AddressInfo).port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

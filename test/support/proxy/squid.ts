import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { watchOwnedProcesses } from '../processes';
import { freePort } from '../registry';

/**
 * A real forward proxy (Debian's squid) on a free loopback port, with its own config, access log and hosts file,
 * in the foreground (`squid -N`) so that it stops with the test.
 *
 * Why squid and its `hosts_file`: Go's proxy rules, which okd-dev follows, never proxy `localhost` or a loopback
 * IP, so a test registry on 127.0.0.1 is never reached through a proxy. The registries are addressed instead by
 * names that only the proxy can resolve (`registry.okd-proxy.test` -> 127.0.0.1 in its hosts file): the client
 * cannot connect to them at all except through the proxy, which is what a workstation behind a corporate proxy
 * sees for every outside host.
 */
export interface StartSquidOptions {
  /** Names the proxy resolves to 127.0.0.1. */
  names: string[];
  /** Require proxy authentication (Basic) with this user and password. */
  credentials?: { user: string; password: string };
  /** Names the proxy refuses (403). */
  denied?: string[];
}

export interface Squid {
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The access log lines so far (squid's native format: `... CODE/STATUS BYTES METHOD URL USER ...`). */
  accessLog(): string[];
  stop(): Promise<void>;
}

const squidBinary = '/usr/sbin/squid';

export function haveSquid(): boolean {
  return fs.existsSync(squidBinary);
}

export async function startSquid(opts: StartSquidOptions): Promise<Squid> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-squid-'));
  // Started as root, squid runs as the `proxy` user: it must be able to read its files and write its logs.
  fs.chmodSync(dir, 0o755);
  const accessLog = path.join(dir, 'access.log');
  const cacheLog = path.join(dir, 'cache.log');
  for (const file of [accessLog, cacheLog]) fs.writeFileSync(file, '', { mode: 0o666 });
  fs.chmodSync(accessLog, 0o666);
  fs.chmodSync(cacheLog, 0o666);
  const hosts = path.join(dir, 'hosts');
  fs.writeFileSync(hosts, opts.names.map((name) => `127.0.0.1 ${name}\n`).join(''), { mode: 0o644 });
  const port = await freePort();
  const lines = [
    `http_port 127.0.0.1:${port}`,
    'pid_filename none',
    'cache deny all',
    'cache_mem 8 MB',
    `access_log stdio:${accessLog}`,
    `cache_log ${cacheLog}`,
    'cache_store_log none',
    'logfile_rotate 0',
    `coredump_dir ${dir}`,
    `hosts_file ${hosts}`,
    'shutdown_lifetime 0 seconds',
    'pinger_enable off',
    'forwarded_for delete',
  ];
  if (opts.denied?.length) lines.push(`acl denied dstdomain ${opts.denied.join(' ')}`, 'http_access deny denied');
  if (opts.credentials) {
    const passwd = path.join(dir, 'passwd');
    // basic_ncsa_auth reads crypt/MD5 entries (not bcrypt).
    fs.writeFileSync(passwd, execFileSync('htpasswd', ['-nbm', opts.credentials.user, opts.credentials.password]), { mode: 0o644 });
    lines.push(
      `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${passwd}`,
      'auth_param basic children 1 startup=1 idle=1',
      'auth_param basic realm okd-proxy-test',
      'acl authenticated proxy_auth REQUIRED',
      'http_access allow authenticated',
      'http_access deny all',
    );
  } else {
    lines.push('http_access allow all');
  }
  const config = path.join(dir, 'squid.conf');
  fs.writeFileSync(config, lines.join('\n') + '\n', { mode: 0o644 });

  watchOwnedProcesses();
  const child: ChildProcess = spawn(squidBinary, ['-N', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const until = Date.now() + 15_000;
  while (!fs.readFileSync(cacheLog, 'utf8').includes('Accepting HTTP Socket connections')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`squid did not start: ${stderr}\n${fs.readFileSync(cacheLog, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    accessLog: () => fs.readFileSync(accessLog, 'utf8').split('\n').filter(Boolean),
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Test-side clients for the test cluster: raw HTTPS requests, and the real kubectl with an isolated HOME.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HttpReply {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface RequestOptions {
  token?: string;
  contentType?: string;
  body?: unknown;
}

/** What a request needs of a test cluster (the TypeScript one or the real one): its URL, CA and admin token. */
export interface ClusterEndpoint {
  url: string;
  caData: string;
  tokens: { admin: string };
}

export function apiRequest(cluster: ClusterEndpoint, method: string, path: string, o: RequestOptions = {}): Promise<HttpReply> {
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.url}${path}`,
      {
        method,
        ca: Buffer.from(cluster.caData, 'base64'),
        headers: {
          Authorization: `Bearer ${o.token ?? cluster.tokens.admin}`,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': o.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ code: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectlEnv(cluster: { kubeconfigPath: string }): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'okd-kubectl-home-'));
  return { PATH: process.env.PATH, HOME: home, KUBECONFIG: cluster.kubeconfigPath };
}

export const KUBECTL = process.env.OKD_TEST_KUBECTL ?? 'kubectl';

export function kubectl(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(KUBECTL, args, { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running kubectl (`get -w`); lines of stdout arrive through `lines`. */
export function kubectlStream(env: NodeJS.ProcessEnv, args: string[]): { child: ChildProcess; lines: string[]; waitForLines(n: number, timeoutMs?: number): Promise<string[]> } {
  const child = spawn(KUBECTL, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  return {
    child,
    lines,
    waitForLines(n, timeoutMs = 10_000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const tick = () => {
          if (lines.length >= n) return resolve(lines.slice(0, n));
          if (Date.now() - started > timeoutMs) return reject(new Error(`got ${lines.length} lines, wanted ${n}: ${lines.join('\n')} ${stderr}`));
          setTimeout(tick, 20);
        };
        tick();
      });
    },
  };
}

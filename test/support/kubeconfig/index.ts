// Kubeconfig files and exec credential plugins as the kubeconfig tests write them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

export const tmpDir = (prefix = 'okd-kubeconfig-'): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Writes `body` as YAML to `file` (folders created), mode 0600 as oc writes kubeconfigs. */
export function writeKubeconfig(file: string, body: object): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, stringify(body), { mode: 0o600 });
  return file;
}

export interface PluginOptions {
  /** The token printed (default `token-from-<file>`). */
  token?: string;
  apiVersion?: string;
  /** Written to stderr before answering (a prompt). */
  stderr?: string;
  /** Each run appends a line to this file. */
  countFile?: string;
  /** Each run appends KUBERNETES_EXEC_INFO, where its stdin points and its cwd to this file (JSON lines). */
  infoFile?: string;
  expirationTimestamp?: string;
  exitCode?: number;
}

/**
 * An executable exec credential plugin at `file` (a node script): prints an ExecCredential with the token; with
 * `infoFile`, records what it was given (KUBERNETES_EXEC_INFO, what its stdin is, its working directory).
 */
export function writeExecPlugin(file: string, o: PluginOptions = {}): string {
  const apiVersion = o.apiVersion ?? 'client.authentication.k8s.io/v1';
  const status = { token: o.token ?? `token-from-${file}`, ...(o.expirationTimestamp ? { expirationTimestamp: o.expirationTimestamp } : {}) };
  const script = `#!${process.execPath}
const fs = require('node:fs');
${o.countFile ? `fs.appendFileSync(${JSON.stringify(o.countFile)}, 'run\\n');` : ''}
${o.stderr ? `process.stderr.write(${JSON.stringify(o.stderr)});` : ''}
const answer = () => {
  ${o.exitCode ? `process.exit(${o.exitCode});` : ''}
  process.stdout.write(JSON.stringify({ apiVersion: ${JSON.stringify(apiVersion)}, kind: 'ExecCredential', status: ${JSON.stringify(status)} }));
};
${
  o.infoFile
    ? `let stdin = ''; try { stdin = fs.readlinkSync('/proc/self/fd/0'); } catch { stdin = 'closed'; }
fs.appendFileSync(${JSON.stringify(o.infoFile)}, JSON.stringify({ info: JSON.parse(process.env.KUBERNETES_EXEC_INFO || 'null'), stdin, cwd: process.cwd() }) + '\\n');
answer();`
    : 'answer();'
}
`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, script, { mode: 0o755 });
  return file;
}

/** A minimal kubeconfig with one cluster, user and context, all called `name` unless given. */
export function oneContext(o: { server: string; user: object; name?: string; cluster?: object; current?: boolean }): object {
  const name = o.name ?? 'test';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: o.server, ...o.cluster } }],
    users: [{ name, user: o.user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    ...(o.current === false ? {} : { 'current-context': name }),
  };
}

// One kubeconfig file read as client-go's clientcmd reads it (LoadFromFile, then ResolveLocalPaths): an empty file
// is an empty config, a name used twice in one list is an error, and relative paths are resolved against the folder
// of the file that holds them. client-node's own loader reads none of `tokenFile`, a relative exec command or an
// empty file the way kubectl does, so the fields are taken from the YAML here.
import * as path from 'node:path';
import type { Cluster, Context, User } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { OkdError } from '../errors';
import { loadJsYaml } from '../lazyModules';

export type ExecInteractiveMode = 'Never' | 'IfAvailable' | 'Always';

/** A user's `exec` stanza (client.authentication.k8s.io credential plugin), command already resolved. */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

/** client-node's User plus what only kubectl knows. */
export interface KubeconfigUser extends User {
  /** `tokenFile`, absolute (client-node reads a `token-file` key that kubectl does not have). */
  readonly tokenFile?: string;
  readonly exec?: ExecConfig;
  /** The file that defined this user (clientcmd's LocationOfOrigin). */
  readonly origin?: string;
}

export interface KubeconfigCluster extends Cluster {
  readonly origin?: string;
}

/** The parts of one kubeconfig file, or of a merge of several. */
export interface KubeconfigParts {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: Context[];
  currentContext: string;
}

type Yaml = Record<string, unknown>;

const isObject = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** clientcmd's ResolvePaths: an empty or absolute path stays, a relative one is joined to the file's folder. */
function resolve(base: string, ref: string | undefined): string | undefined {
  return ref === undefined || path.isAbsolute(ref) ? ref : path.join(base, ref);
}

function invalid(file: string, what: string): OkdError {
  return new OkdError('invalid-input', `kubeconfig ${file} cannot be read: ${what}`, 'fix the file, or log in again with `oc login`');
}

/** The named entries of one list (`clusters`, `users`, `contexts`); kubectl refuses a list that repeats a name. */
function entries(file: string, doc: Yaml, list: 'clusters' | 'users' | 'contexts', inner: string): { name: string; body: Yaml }[] {
  const value = doc[list];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(file, `${list} is not a list`);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    if (!isObject(item)) throw invalid(file, `${list}[${i}] is not a mapping`);
    const name = typeof item['name'] === 'string' ? item['name'] : '';
    if (seen.has(name)) throw new OkdError('invalid-input', `kubeconfig ${file} names ${list.slice(0, -1)} "${name}" twice`, 'remove one of them (kubectl refuses the file as well)');
    seen.add(name);
    const body = item[inner];
    return { name, body: isObject(body) ? body : {} };
  });
}

function execConfig(base: string, value: unknown): ExecConfig | undefined {
  if (!isObject(value)) return undefined;
  const command = typeof value['command'] === 'string' ? value['command'] : '';
  const env = Array.isArray(value['env']) ? value['env'].filter(isObject).map((e) => ({ name: String(e['name'] ?? ''), value: String(e['value'] ?? '') })) : undefined;
  return {
    // A bare name is looked up in PATH; only a command with a path separator is relative to the kubeconfig.
    command: command.includes(path.sep) ? (resolve(base, command) as string) : command,
    ...(Array.isArray(value['args']) ? { args: value['args'].map(String) } : {}),
    ...(env ? { env } : {}),
    ...(str(value['apiVersion']) ? { apiVersion: value['apiVersion'] as string } : {}),
    ...(str(value['installHint']) ? { installHint: value['installHint'] as string } : {}),
    ...(value['provideClusterInfo'] === true ? { provideClusterInfo: true } : {}),
    ...(str(value['interactiveMode']) ? { interactiveMode: value['interactiveMode'] as string } : {}),
  };
}

/**
 * Parses the text of kubeconfig `file` (absolute or relative to the working directory, as kubectl takes it).
 * Empty text, or only comments, is an empty config as in clientcmd.Load; a YAML error names the file.
 */
export function parseKubeconfigFile(file: string, text: string): KubeconfigParts {
  let doc: unknown;
  try {
    doc = loadJsYaml().load(text, { filename: file });
  } catch (err) {
    throw invalid(file, (err as Error).message.split('\n')[0] ?? String(err));
  }
  if (doc === undefined || doc === null) return { clusters: [], users: [], contexts: [], currentContext: '' };
  if (!isObject(doc)) throw invalid(file, 'it is not a YAML mapping');
  const base = path.resolve(path.dirname(file));
  const clusters = entries(file, doc, 'clusters', 'cluster').map(({ name, body }): KubeconfigCluster => ({
    name,
    server: str(body['server']) ?? '',
    skipTLSVerify: body['insecure-skip-tls-verify'] === true,
    ...(str(body['certificate-authority']) ? { caFile: resolve(base, body['certificate-authority'] as string) as string } : {}),
    ...(str(body['certificate-authority-data']) ? { caData: body['certificate-authority-data'] as string } : {}),
    ...(str(body['tls-server-name']) ? { tlsServerName: body['tls-server-name'] as string } : {}),
    ...(str(body['proxy-url']) ? { proxyUrl: body['proxy-url'] as string } : {}),
    origin: file,
  }));
  const users = entries(file, doc, 'users', 'user').map(({ name, body }): KubeconfigUser => {
    const exec = execConfig(base, body['exec']);
    return {
      name,
      ...(str(body['token']) ? { token: body['token'] as string } : {}),
      ...(str(body['tokenFile']) ? { tokenFile: resolve(base, body['tokenFile'] as string) as string } : {}),
      ...(str(body['client-certificate']) ? { certFile: resolve(base, body['client-certificate'] as string) as string } : {}),
      ...(str(body['client-certificate-data']) ? { certData: body['client-certificate-data'] as string } : {}),
      ...(str(body['client-key']) ? { keyFile: resolve(base, body['client-key'] as string) as string } : {}),
      ...(str(body['client-key-data']) ? { keyData: body['client-key-data'] as string } : {}),
      ...(str(body['username']) ? { username: body['username'] as string } : {}),
      ...(str(body['password']) ? { password: body['password'] as string } : {}),
      ...(str(body['as']) ? { impersonateUser: body['as'] as string } : {}),
      // clientcmd resolves no auth-provider path (their config is a free-form map): neither do we.
      ...(isObject(body['auth-provider']) ? { authProvider: body['auth-provider'] } : {}),
      ...(exec ? { exec } : {}),
      origin: file,
    };
  });
  const contexts = entries(file, doc, 'contexts', 'context').map(({ name, body }): Context => ({
    name,
    cluster: str(body['cluster']) ?? '',
    user: str(body['user']) ?? '',
    ...(str(body['namespace']) ? { namespace: body['namespace'] as string } : {}),
  }));
  return { clusters, users, contexts, currentContext: str(doc['current-context']) ?? '' };
}

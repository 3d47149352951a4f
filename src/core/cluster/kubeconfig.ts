import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context, KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { OkdError } from '../errors';
import { ProxyResolver, proxySettingsFromEnv } from '../proxy';
import { loadKube } from './kube';
import { checkUser, clientNodeUser, type CredentialOptions, KubeconfigCredentials } from './kubeconfig-credentials';
import { type KubeconfigCluster, type KubeconfigParts, type KubeconfigUser, parseKubeconfigFile } from './kubeconfig-file';

export type { KubeconfigCluster, KubeconfigParts, KubeconfigUser } from './kubeconfig-file';

export interface KubeconfigOptions extends CredentialOptions {
  /** `--kubeconfig FILE`: that file only, which must exist (kubectl's rule). */
  kubeconfig?: string;
  /** `--context NAME`; default the merged config's current-context. */
  context?: string;
  /** For tests: where KUBECONFIG and HOME come from. */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** The context in use, its cluster's server and its user's name. */
  context: string;
  server: string;
  user: string;
  /** The files read, in precedence order. */
  files: string[];
  /**
   * Reads the token file or runs the exec plugin of the user now (it may prompt, or wait for a browser login);
   * connecting calls it before its first request. A no-op for other credentials.
   */
  obtainCredentials(): Promise<void>;
}

/**
 * The files kubectl reads, in precedence order: `--kubeconfig` alone; else every KUBECONFIG entry that exists
 * (missing ones are skipped, as kubectl does); else ~/.kube/config when it exists.
 */
export function kubeconfigFiles(options: KubeconfigOptions, exists: (file: string) => boolean = fs.existsSync): string[] {
  if (options.kubeconfig) return [options.kubeconfig];
  const env = options.env ?? process.env;
  const list = env['KUBECONFIG'];
  if (list) {
    const seen = new Set<string>();
    return list.split(path.delimiter).filter((file) => file && !seen.has(file) && seen.add(file) && exists(file));
  }
  const home = path.join(options.homeDir ?? env['HOME'] ?? os.homedir(), '.kube', 'config');
  return exists(home) ? [home] : [];
}

/**
 * kubectl's merge of several kubeconfig files: the first file to name a cluster, user or context wins, and so does
 * the first current-context set. (client-node's own merge lets later files win and throws on duplicate names.)
 */
export function mergeKubeconfigs(configs: KubeconfigParts[]): KubeconfigParts {
  const merged: KubeconfigParts = { clusters: [], users: [], contexts: [], currentContext: '' };
  for (const config of configs) {
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const list = merged[key] as Array<{ name: string }>;
      for (const item of config[key] as Array<{ name: string }>) if (!list.some((known) => known.name === item.name)) list.push(item);
    }
    if (!merged.currentContext && config.currentContext) merged.currentContext = config.currentContext;
  }
  return merged;
}

/** Picks the context (`--context` or current-context) and checks that its cluster and user exist. */
export function selectContext(config: KubeconfigParts, wanted: string | undefined, files: string[]): { context: Context; cluster: KubeconfigCluster; user: KubeconfigUser | undefined } {
  const where = files.length === 1 ? files[0] : `the kubeconfig (${files.join(path.delimiter)})`;
  const names = config.contexts.map((c) => c.name);
  const name = wanted || config.currentContext;
  if (!name) {
    throw new OkdError('invalid-input', `${where} has no current-context`, names.length ? `pass --context with one of: ${names.join(', ')}` : 'log in with `oc login`');
  }
  const context = config.contexts.find((c) => c.name === name);
  if (!context) {
    throw new OkdError('not-found', `context "${name}" is not in ${where}`, names.length ? `use one of: ${names.join(', ')}` : 'log in with `oc login`');
  }
  const cluster = config.clusters.find((c) => c.name === context.cluster);
  if (!cluster) throw new OkdError('invalid-input', `context "${name}" names cluster "${context.cluster}", which is not in ${where}`, 'fix the kubeconfig or log in again with `oc login`');
  if (!cluster.server) throw new OkdError('invalid-input', `cluster "${cluster.name}" of context "${name}" has no server${cluster.origin ? ` in ${cluster.origin}` : ''}`, 'fix the kubeconfig or log in again with `oc login`');
  const user = config.users.find((u) => u.name === context.user);
  return { context, cluster, user };
}

/**
 * The kubeconfig files kubectl would read (see kubeconfigFiles), each parsed as clientcmd parses it (relative paths
 * resolved against the file's folder; see parseKubeconfigFile) and merged as kubectl merges them (mergeKubeconfigs).
 * A file that vanished since is skipped, as kubectl skips a missing one; `--kubeconfig` must exist. Errors name the
 * file and what to do.
 */
export async function readKubeconfig(options: KubeconfigOptions = {}): Promise<{ files: string[]; merged: KubeconfigParts }> {
  const found = kubeconfigFiles(options);
  if (found.length === 0) {
    const env = options.env ?? process.env;
    throw new OkdError(
      'not-found',
      env['KUBECONFIG'] ? `none of the KUBECONFIG files exist (${env['KUBECONFIG']})` : 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist',
      'log in with `oc login`, or pass --kubeconfig FILE (okd.kubeconfig in the editor)',
    );
  }
  const files: string[] = [];
  const parts: KubeconfigParts[] = [];
  for (const file of found) {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !options.kubeconfig) continue;
      if (code === 'ENOENT') throw new OkdError('not-found', `kubeconfig ${file} does not exist`, 'check --kubeconfig or KUBECONFIG');
      throw new OkdError('invalid-input', `kubeconfig ${file} cannot be read: ${(err as Error).message.split('\n')[0]}`, 'check the file and its permissions');
    }
    files.push(file);
    parts.push(parseKubeconfigFile(file, text));
  }
  return { files, merged: mergeKubeconfigs(parts) };
}

/**
 * kubectl without a `proxy-url` takes the proxy from the environment (client-go's ProxyFromEnvironment:
 * HTTPS_PROXY, NO_PROXY, never for localhost or loopback); client-node does not, so the cluster gets it here.
 */
function withEnvironmentProxy<T extends { server: string; proxyUrl?: string }>(cluster: T, env: NodeJS.ProcessEnv): T {
  if (cluster.proxyUrl) return cluster;
  let target: URL;
  try {
    target = new URL(cluster.server);
  } catch {
    return cluster;
  }
  const proxy = new ProxyResolver(proxySettingsFromEnv(env)).proxyFor(target);
  return proxy ? { ...cluster, proxyUrl: proxy.url.href } : cluster;
}

/**
 * Loads the kubeconfig exactly as kubectl does into a client-node KubeConfig set to the chosen context. Static
 * tokens, client certificates and CA files are then client-node's work when a request is made; token files and
 * exec plugins are ours (KubeconfigCredentials), because client-node reads them differently from kubectl.
 */
export async function loadKubeconfig(options: KubeconfigOptions = {}): Promise<LoadedKubeconfig> {
  const { files, merged } = await readKubeconfig(options);
  const { KubeConfig } = await loadKube();
  const { context, cluster, user } = selectContext(merged, options.context, files);
  if (cluster.caFile && !fs.existsSync(cluster.caFile)) {
    throw new OkdError('not-found', `the certificate-authority ${cluster.caFile} of cluster "${cluster.name}" does not exist`, `fix certificate-authority${cluster.origin ? ` in ${cluster.origin}` : ''} (relative paths are relative to that file)`);
  }
  if (user) checkUser(user);
  const credentials = user ? new KubeconfigCredentials(user, cluster, options) : undefined;
  const kubeConfig = new KubeConfig();
  if (credentials) kubeConfig.addAuthenticator(credentials);
  kubeConfig.loadFromOptions({
    clusters: merged.clusters.map(({ origin: _origin, ...c }) => (c === cluster || c.name === cluster.name ? withEnvironmentProxy(c, options.env ?? process.env) : c)),
    // A context whose user is defined nowhere connects without credentials, as kubectl does; client-node would
    // also drop the cluster's CA without a user, hence an empty one.
    users: [...merged.users.map((u) => (u === user && credentials ? credentials.clientUser() : clientNodeUser(u))), ...(user ? [] : [{ name: context.user }])],
    contexts: merged.contexts,
    currentContext: context.name,
  });
  return {
    kubeConfig,
    context: context.name,
    server: cluster.server,
    user: user?.name ?? context.user,
    files,
    obtainCredentials: async () => credentials?.obtain(),
  };
}

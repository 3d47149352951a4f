import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { OkdError } from '../errors';
import { loadKube } from './kube';

export interface KubeconfigOptions {
  /** `--kubeconfig FILE`: that file only, which must exist (kubectl's rule). */
  kubeconfig?: string;
  /** `--context NAME`; default the merged config's current-context. */
  context?: string;
  /** For tests: where KUBECONFIG and HOME come from. */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}

/** The parts of a kubeconfig that merging and selecting a context look at. */
export interface KubeconfigParts {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** The context in use, its cluster's server and its user's name. */
  context: string;
  server: string;
  user: string;
  /** The files read, in precedence order. */
  files: string[];
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
export function selectContext(config: KubeconfigParts, wanted: string | undefined, files: string[]): { context: Context; cluster: Cluster; user: User | undefined } {
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
  const user = config.users.find((u) => u.name === context.user);
  return { context, cluster, user };
}

/**
 * The kubeconfig files kubectl would read (see kubeconfigFiles), each parsed by client-node and merged as kubectl
 * merges them (see mergeKubeconfigs). Errors name the file and what to do.
 */
export async function readKubeconfig(options: KubeconfigOptions = {}): Promise<{ files: string[]; merged: KubeconfigParts }> {
  const files = kubeconfigFiles(options);
  if (files.length === 0) {
    const env = options.env ?? process.env;
    throw new OkdError(
      'not-found',
      env['KUBECONFIG'] ? `none of the KUBECONFIG files exist (${env['KUBECONFIG']})` : 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist',
      'log in with `oc login`, or pass --kubeconfig FILE (okd.kubeconfig in the editor)',
    );
  }
  const { KubeConfig } = await loadKube();
  const parts: KubeconfigParts[] = files.map((file) => {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new OkdError('not-found', `kubeconfig ${file} does not exist`, 'check --kubeconfig or KUBECONFIG');
      throw new OkdError('invalid-input', `kubeconfig ${file} cannot be read: ${(err as Error).message.split('\n')[0]}`, 'check the file, or log in again with `oc login`');
    }
    return { clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext };
  });
  return { files, merged: mergeKubeconfigs(parts) };
}

/**
 * Loads the kubeconfig exactly as kubectl does into a client-node KubeConfig set to the chosen context. Tokens,
 * token files, client certificates, CA data and exec credential plugins are then client-node's work when a request
 * is made.
 */
export async function loadKubeconfig(options: KubeconfigOptions = {}): Promise<LoadedKubeconfig> {
  const { files, merged } = await readKubeconfig(options);
  const { KubeConfig } = await loadKube();
  const { context, cluster, user } = selectContext(merged, options.context, files);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: merged.clusters, users: merged.users, contexts: merged.contexts, currentContext: context.name });
  return { kubeConfig, context: context.name, server: cluster.server, user: user?.name ?? context.user, files };
}

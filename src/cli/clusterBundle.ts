import * as path from 'node:path';

/**
 * The cluster commands load @kubernetes/client-node, which is large: they are a bundle of their own
 * (dist/cli-cluster.js, or the source under tsx), required only when something needs the cluster.
 */
export function clusterBundle(): typeof import('./commands/cluster') {
  const id = path.basename(__filename) === 'cli.js' ? './cli-cluster.js' : './commands/cluster';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path, so esbuild leaves it alone
  return require(id) as typeof import('./commands/cluster');
}

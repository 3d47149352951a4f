import type * as Kube from './kube.mjs' with { 'resolution-mode': 'import' };

export type KubeModule = typeof Kube;

let loaded: Promise<KubeModule> | undefined;

/** @kubernetes/client-node, loaded on first use: it is large, and nothing outside cluster work should pay for it. */
export function loadKube(): Promise<KubeModule> {
  loaded ??= import('./kube.mjs');
  return loaded;
}

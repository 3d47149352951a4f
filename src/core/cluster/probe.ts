import type * as Kube from './kube.mjs' with { 'resolution-mode': 'import' };
export async function probe(): Promise<typeof Kube> { return import('./kube.mjs'); }

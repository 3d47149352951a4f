// client-node's Log API for following pod logs; an ES module because the package is ESM only (see core/cluster/kube.mts).
export { Log } from '@kubernetes/client-node';

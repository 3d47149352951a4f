/** The Cluster view's id (package.json): imported by the extension's bundle and by dist/cluster.js alike. */
export const CLUSTER_VIEW_ID = 'okd.cluster';

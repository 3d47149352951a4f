// The parts of @kubernetes/client-node the cluster code uses. An ES module of its own because the package is ESM
// only: the rest of core loads it with `import()` (see client.ts), and esbuild keeps only these parts in the bundle.
export { ApiException, AppsV1Api, AuthorizationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';

// The test API server: an OKD-like cluster for integration tests and the sandbox.
export { startTestCluster, type TestCluster, type TestClusterOptions } from './cluster';
export { ClusterVersionOperator, type Payload, type PayloadManifest, type PayloadSource } from './cvo';
export { type ImageExists } from './deployment-controller';
export { ApiError, type Status } from './errors';
export { componentPullspec, fakePayload, fakePayloadSource, type FakeRelease } from './fake-payload';
export { DEFAULT_RELEASE, type ReleaseRef } from './seed';
export { resourceByPlural, RESOURCES, type ResourceDef } from './resources';
export { ObjectStore, type KubeObject, type StoreEvent } from './store';

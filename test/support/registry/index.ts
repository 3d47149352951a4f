export { type StartRegistryOptions, type TestRegistry, blobDataPath, freePort, startRegistry } from './registry';
export { type SkopeoResult, skopeoCopy, skopeoFlags, skopeoInspect } from './skopeo';
export { type LinkShape, type TcpProxy, startTcpProxy } from './proxy';
export { makeSelfSignedCert } from './certs';
export { type Blob, type BuiltImage, blobOf, buildImage, buildIndex, randomLayer } from './images';

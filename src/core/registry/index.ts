export { RegistryClient, type RegistryClientOptions } from './client';
export type { RegistryStats } from './response';
export type { FetchedManifest, ResolvedImage } from './manifests';
export { defaultPlatform } from './manifests';
export type { BlobRef } from './blobs';
export type { BlobUpload, PushBlobOptions, PushedBlob } from './push';
export type { ListTagsOptions } from './tags';
export {
  type AuthFileOptions,
  type Credentials,
  authFileCandidates,
  findCredentials,
  normalizeAuthKey,
  parseAuthFile,
} from './authfile';
export { type Challenge, parseChallenges, pickChallenge } from './challenge';
export { parseRetryAfter } from './retry';
export { registryEndpoint } from './transport';
export { sha256Digest, VerifyingStream } from './digest';
export * from './types';

import type { Readable } from 'node:stream';
import type { CancellationTokenLike } from '../cancel';
import { type Logger, silentLogger } from '../log';
import { Authenticator } from './auth';
import { type BlobRef, blobExists, openBlob, readBlob } from './blobs';
import { CertsDirs, defaultCertsDirs } from './certsd';
import { isDigest } from './digest';
import type { RegistryContext } from './context';
import { UploadLimiter } from './limiter';
import { type ManifestHead, headManifest } from './manifest-head';
import { type FetchedManifest, type ResolvedImage, getManifest, putManifest, resolveImage } from './manifests';
import { type BlobUpload, type PushBlobOptions, type PushedBlob, pushBlob } from './push';
import type { RegistryStats } from './response';
import { MirrorPolicy } from './mirrors';
import type { RegistriesConfPaths } from './registriesConf';
import { type ListTagsOptions, listTags } from './tags';
import { Transport } from './transport';
import type { Platform } from './types';

export interface RegistryClientOptions {
  /** `--registry-config` / `-a`: an auth file that must exist. */
  authFile?: string;
  /** `true` for every registry, or the hosts allowed plain http and unverified TLS. */
  insecure?: boolean | string[];
  /** A PEM CA to trust in addition to the system ones. */
  caFile?: string;
  logger?: Logger;
  /** Bound on one request including retries, not counting the time a request body takes to go out (default 60 s). */
  timeoutMs?: number;
  /** Longest a request or response body may go without a byte moving (default 30 s). */
  idleTimeoutMs?: number;
  /** Blob uploads running at once per registry (default 5, docker's max-concurrent-uploads). */
  maxConcurrentUploads?: number;
  /** Retry tuning; tests shorten these. */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** For tests: the environment and home directory auth files are looked up from. */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  /**
   * registries.conf (mirrors, `insecure`, `blocked`): containers/image's files by default (CONTAINERS_REGISTRIES_CONF,
   * else ~/.config/containers/registries.conf, else /etc/containers/registries.conf, and the .d folders); false for none.
   */
  registriesConf?: RegistriesConfPaths | false;
  /** certs.d roots, first match wins (default ~/.config/containers/certs.d, /etc/containers/certs.d, /etc/docker/certs.d). */
  certsDirs?: string[];
  /** `--idms-file` / `--icsp-file`: digest mirrors for pulls by digest, as oc takes them. */
  idmsFiles?: string[];
  icspFiles?: string[];
}

/**
 * An OCI distribution client. Methods take the registry as written (`quay.io`, `docker.io`, `127.0.0.1:5000`)
 * and a repository, so a Pullspec fits; every manifest and blob is verified against its digest.
 */
export class RegistryClient {
  private readonly ctx: RegistryContext;
  private readonly uploads: UploadLimiter;
  private readonly mirrors: MirrorPolicy;

  constructor(options: RegistryClientOptions = {}) {
    const logger = options.logger ?? silentLogger;
    // Nothing is read here: the files are read on the first request (the editor creates clients in activate()).
    const mirrors = new MirrorPolicy({
      logger,
      ...(options.registriesConf !== undefined ? { registriesConf: options.registriesConf } : {}),
      ...(options.idmsFiles?.length ? { idmsFiles: options.idmsFiles } : {}),
      ...(options.icspFiles?.length ? { icspFiles: options.icspFiles } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.homeDir ? { homeDir: options.homeDir } : {}),
    });
    this.mirrors = mirrors;
    const transport = new Transport({
      logger,
      insecureRegistry: (host) => mirrors.isInsecure(host),
      certsDirs: new CertsDirs(options.certsDirs ?? defaultCertsDirs(options.env ?? process.env, options.homeDir)),
      ...(options.insecure !== undefined ? { insecure: options.insecure } : {}),
      ...(options.caFile ? { caFile: options.caFile } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.retryBaseMs ? { retryBaseMs: options.retryBaseMs } : {}),
    });
    const auth = new Authenticator(transport, {
      logger,
      ...(options.authFile ? { authFile: options.authFile } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.homeDir ? { homeDir: options.homeDir } : {}),
    });
    this.ctx = { transport, auth, logger };
    this.uploads = new UploadLimiter(options.maxConcurrentUploads ?? 5);
  }

  /**
   * Logs in to `registry` for this client's lifetime only, as `oc registry login` does but without writing an auth
   * file: `credentials` answer before any auth file, and `caPem` (when given) is trusted for its certificate.
   */
  addSession(registry: string, credentials: { username: string; password: string; source: string; rejectedHint?: string }, caPem?: string): void {
    this.ctx.auth.addSession(registry, { ...credentials, key: registry });
    if (caPem) this.ctx.transport.trustForRegistry(registry, caPem);
  }

  /** Requests sent and body bytes read and written so far. */
  get stats(): RegistryStats {
    return this.ctx.transport.stats;
  }

  // Pulls go to registries.conf's mirrors and IDMS/ICSP mirrors as they apply, then the registry; pushes, blob checks
  // before a push and tag lists go to the registry only (containers/image uses mirrors for pulls alone).

  getManifest(registry: string, repository: string, reference: string, token?: CancellationTokenLike): Promise<FetchedManifest> {
    return this.mirrors.pull(registry, repository, isDigest(reference), token, (r, repo) => getManifest(this.ctx, r, repo, reference, token));
  }

  resolveImage(
    registry: string,
    repository: string,
    reference: string,
    options: { platform?: Platform } = {},
    token?: CancellationTokenLike,
  ): Promise<ResolvedImage> {
    return this.mirrors.pull(registry, repository, isDigest(reference), token, (r, repo) => resolveImage(this.ctx, r, repo, reference, options, token));
  }

  /** The digest a tag names now, by HEAD (GET only when the registry's HEAD does not say). */
  headManifest(registry: string, repository: string, reference: string, token?: CancellationTokenLike): Promise<ManifestHead> {
    return this.mirrors.pull(registry, repository, isDigest(reference), token, (r, repo) => headManifest(this.ctx, r, repo, reference, token));
  }

  readBlob(registry: string, repository: string, descriptor: BlobRef, token?: CancellationTokenLike): Promise<Buffer> {
    return this.mirrors.pull(registry, repository, true, token, (r, repo) => readBlob(this.ctx, r, repo, descriptor, token));
  }

  openBlob(registry: string, repository: string, descriptor: BlobRef, token?: CancellationTokenLike): Promise<Readable> {
    return this.mirrors.pull(registry, repository, true, token, (r, repo) => openBlob(this.ctx, r, repo, descriptor, token));
  }

  blobExists(registry: string, repository: string, digest: string, token?: CancellationTokenLike): Promise<boolean> {
    this.mirrors.checkHost(registry);
    return blobExists(this.ctx, registry, repository, digest, token);
  }

  listTags(registry: string, repository: string, options: ListTagsOptions = {}, token?: CancellationTokenLike): Promise<string[]> {
    this.mirrors.checkHost(registry);
    return listTags(this.ctx, registry, repository, options, token);
  }

  pushBlob(
    registry: string,
    repository: string,
    blob: BlobUpload,
    options: PushBlobOptions = {},
    token?: CancellationTokenLike,
  ): Promise<PushedBlob> {
    this.mirrors.checkHost(registry);
    return this.uploads.run(registry, () => pushBlob(this.ctx, registry, repository, blob, options, token));
  }

  putManifest(
    registry: string,
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    token?: CancellationTokenLike,
  ): Promise<string> {
    this.mirrors.checkHost(registry);
    return putManifest(this.ctx, registry, repository, reference, bytes, mediaType, token);
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.ctx.transport.close();
  }
}

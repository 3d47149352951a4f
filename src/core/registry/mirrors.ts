import { CancelledError, type CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { singleAttempt } from './attempts';
import { type DigestMirrorKind, type DigestMirrorRule, digestMirrorsFor, readDigestMirrorFile } from './idms';
import {
  type RegistriesConfPaths,
  type RegistriesConfig,
  InvalidRegistries,
  findRegistry,
  loadRegistriesConf,
  pullSources,
  registriesConfFiles,
} from './registriesConf';

export interface MirrorOptions {
  /** Where registries.conf is looked up (defaults: containers/image's), or false to read none. */
  registriesConf?: RegistriesConfPaths | false;
  /** `--idms-file` / `--icsp-file`: digest mirrors as oc takes them. */
  idmsFiles?: string[];
  icspFiles?: string[];
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  logger?: Logger;
}

/** One place a pull may be served from. */
export interface PullCandidate {
  registry: string;
  repository: string;
  /** A mirror (registries.conf or IDMS/ICSP), not the registry the reference names. */
  mirror: boolean;
  /** What made it a candidate, for messages. */
  via: string;
}

function splitName(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) throw new InvalidRegistries(`"${name}" is not a repository (host/path)`);
  return { registry: name.slice(0, slash), repository: name.slice(slash + 1) };
}

/** registries.conf and IDMS/ICSP for one RegistryClient: read on first use, never when it is created. */
export class MirrorPolicy {
  private config?: RegistriesConfig;
  private digestRules?: DigestMirrorRule[];
  private insecureMirrors?: Set<string>;
  /** repository -> the candidate that served it last, tried first next time (blobs follow their manifest). */
  private readonly sticky = new Map<string, string>();
  private readonly logger: Logger;

  constructor(private readonly options: MirrorOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  registries(): RegistriesConfig {
    if (!this.config) {
      if (this.options.registriesConf === false) this.config = { registries: [], files: [], sources: '(none)' };
      else {
        const files = registriesConfFiles(this.options.registriesConf ?? {}, this.options.env ?? process.env, this.options.homeDir);
        try {
          this.config = loadRegistriesConf(files);
        } catch (err) {
          if (err instanceof InvalidRegistries) throw new OkdError('invalid-input', `registries configuration: ${err.message}`);
          throw err;
        }
        if (this.config.files.length) this.logger.debug(`registries configuration from ${this.config.files.join(', ')}`);
      }
    }
    return this.config;
  }

  private rules(): DigestMirrorRule[] {
    if (!this.digestRules) {
      const read = (kind: DigestMirrorKind, files: string[] | undefined) => (files ?? []).flatMap((f) => readDigestMirrorFile(kind, f));
      this.digestRules = [...read('idms', this.options.idmsFiles), ...read('icsp', this.options.icspFiles)];
    }
    return this.digestRules;
  }

  /** Whether registries.conf allows plain http and unverified TLS for a host (its own entry, or a mirror entry's). */
  isInsecure(hostPort: string): boolean {
    const config = this.registries();
    if (findRegistry(config, hostPort)?.insecure) return true;
    if (!this.insecureMirrors) {
      this.insecureMirrors = new Set(config.registries.flatMap((r) => r.mirrors.filter((m) => m.insecure).map((m) => m.location.split('/')[0] as string)));
    }
    return this.insecureMirrors.has(hostPort);
  }

  /** Refuses a registry host blocked in registries.conf (every request to it: pulls from it as a mirror, pushes, tag lists). */
  checkHost(registry: string): void {
    const reg = findRegistry(this.registries(), registry);
    if (reg?.blocked) throw this.blocked(reg.prefix, registry);
  }

  private blocked(prefix: string, what: string): OkdError {
    return new OkdError(
      'forbidden',
      `registry ${prefix} is blocked in ${this.registries().sources} (reading ${what})`,
      `remove "blocked = true" from its [[registry]] table, or pull from another registry`,
    );
  }

  /**
   * Where a pull of `registry/repository` may be served from, in order: registries.conf's mirrors that apply to this
   * kind of reference, then the registry (rewritten by its `location`), then for a digest the IDMS/ICSP mirrors
   * (oc reads the source first and the mirrors when it fails). A blocked registry is refused.
   */
  pullCandidates(registry: string, repository: string, byDigest: boolean): PullCandidate[] {
    const name = `${registry}/${repository}`;
    const config = this.registries();
    const reg = findRegistry(config, name);
    if (reg?.blocked) throw this.blocked(reg.prefix, name);
    const candidates: PullCandidate[] = [];
    const add = (target: string, mirror: boolean, via: string) => {
      const c = { ...splitName(target), mirror, via };
      if (candidates.some((o) => o.registry === c.registry && o.repository === c.repository)) return;
      // A mirror on a blocked host is skipped, as containers/image's client for it refuses to be created.
      if (mirror && findRegistry(config, c.registry)?.blocked) {
        this.logger.debug(`registry ${c.registry}: mirror ${target} of ${name} is blocked; skipped`);
        return;
      }
      candidates.push(c);
    };
    try {
      if (reg) for (const s of pullSources(reg, name, byDigest)) add(s.name, s.mirror, s.mirror ? `mirror of ${reg.prefix} in registries.conf` : `location of ${reg.prefix} in registries.conf`);
      else add(name, false, 'the reference');
      if (byDigest && (this.options.idmsFiles?.length || this.options.icspFiles?.length)) {
        const digest = digestMirrorsFor(this.rules(), name);
        if (!digest.contactSource) candidates.splice(0, candidates.length, ...candidates.filter((c) => c.mirror));
        for (const m of digest.mirrors) add(m, true, 'mirror in the IDMS/ICSP file');
      }
    } catch (err) {
      if (err instanceof InvalidRegistries) throw new OkdError('invalid-input', `registries configuration: ${err.message}`);
      throw err;
    }
    if (!candidates.length) throw new OkdError('not-found', `no registry may serve ${name}: its only mirrors are blocked and the source may not be contacted`);
    return candidates;
  }

  /**
   * Runs a pull against each candidate in turn until one answers; the one that last served the repository goes first.
   * Every candidate failing gives the first one's error (the registry itself, or the first mirror) with the others'.
   */
  async pull<T>(
    registry: string,
    repository: string,
    byDigest: boolean,
    token: CancellationTokenLike | undefined,
    op: (registry: string, repository: string) => Promise<T>,
  ): Promise<T> {
    const candidates = this.pullCandidates(registry, repository, byDigest);
    const only = candidates[0] as PullCandidate;
    if (candidates.length === 1 && only.registry === registry && only.repository === repository) return op(registry, repository);
    const key = `${registry}/${repository}`;
    const last = this.sticky.get(key);
    const ordered = [...candidates].sort((a, b) => Number(`${b.registry}/${b.repository}` === last) - Number(`${a.registry}/${a.repository}` === last));
    const failures: { candidate: PullCandidate; error: unknown }[] = [];
    for (const [i, c] of ordered.entries()) {
      const isLast = i === ordered.length - 1;
      try {
        const result = await (isLast ? op(c.registry, c.repository) : singleAttempt.run(true, () => op(c.registry, c.repository)));
        this.sticky.set(key, `${c.registry}/${c.repository}`);
        if (c.registry !== registry || c.repository !== repository) this.logger.debug(`registry ${registry}: ${repository} read from ${c.registry}/${c.repository} (${c.via})`);
        return result;
      } catch (err) {
        if (err instanceof CancelledError || token?.isCancellationRequested) throw err;
        // A bad reference or an unreadable configuration file is the same for every source.
        if (err instanceof OkdError && err.kind === 'invalid-input') throw err;
        this.logger.debug(`registry ${c.registry}: ${c.repository} failed (${(err as Error).message}); ${isLast ? 'no more sources' : 'trying the next source'}`);
        failures.push({ candidate: c, error: err });
      }
    }
    throw combinedError(failures);
  }
}

function combinedError(failures: { candidate: PullCandidate; error: unknown }[]): unknown {
  const first = failures.find((f) => !f.candidate.mirror) ?? failures[0];
  if (!first) return new OkdError('failed', 'no pull source was tried');
  const others = failures.filter((f) => f !== first).map((f) => `${f.candidate.registry}/${f.candidate.repository}: ${(f.error as Error)?.message ?? String(f.error)}`);
  if (!others.length) return first.error;
  const err = first.error;
  const message = `${(err as Error)?.message ?? String(err)} (mirrors also failed: ${others.join('; ')})`;
  if (err instanceof OkdError) return new OkdError(err.kind, message, err.hint, { cause: err });
  return new OkdError('unreachable', message, 'check that the registry or one of its mirrors is reachable', { cause: err });
}

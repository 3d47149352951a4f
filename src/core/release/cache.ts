import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OkdError } from '../errors';
import type { Release } from './model';

/** What the reader keeps of a payload: enough to rebuild the release model without the registry. */
export interface CachedPayload {
  schema: typeof CACHE_SCHEMA;
  pullSpec: string;
  /** The image manifest's digest (for a list, the chosen platform's manifest). */
  digest: string;
  listDigest?: string;
  platforms?: string[];
  created: string;
  os: string;
  architecture: string;
  labels: Record<string, string>;
  /** Layer digests of the payload image, bottom first (the last one holds release-manifests/). */
  layers: string[];
  files: Record<string, string>;
}

export const CACHE_SCHEMA = 1;
/** Bump when the Release model's shape changes: cached models of the old shape are then rebuilt. */
export const RELEASE_SCHEMA = 2;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Writes through a temp file next to `target` (unique even for writes of the same key in one millisecond) and a rename. */
async function writeAtomic(target: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await fs.writeFile(temp, text);
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** `OKD_DEV_CACHE_DIR`, else `$XDG_CACHE_HOME/okd-dev`, else `~/.cache/okd-dev`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (env.OKD_DEV_CACHE_DIR) return path.resolve(env.OKD_DEV_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(home, '.cache');
  return path.join(base, 'okd-dev');
}

/**
 * Payloads read before, keyed by manifest digest (plus the platform for a manifest list). Every file name is
 * derived from a validated digest, so nothing is written outside `dir`; writes are atomic (temp file + rename).
 */
export class ReleaseCache {
  constructor(readonly dir: string) {}

  static key(digest: string, platform?: string): string {
    if (!DIGEST.test(digest)) throw new OkdError('invalid-input', `'${digest}' is not a sha256 digest`);
    const hex = digest.slice('sha256:'.length);
    return platform ? `${hex}-${platform.replace(/[^a-z0-9]+/gi, '_')}` : hex;
  }

  private file(key: string): string {
    return path.join(this.dir, 'payloads', `${key}.json`);
  }

  async get(digest: string, platform?: string): Promise<CachedPayload | undefined> {
    for (const key of platform ? [ReleaseCache.key(digest, platform), ReleaseCache.key(digest)] : [ReleaseCache.key(digest)]) {
      let text: string;
      try {
        text = await fs.readFile(this.file(key), 'utf8');
      } catch {
        continue;
      }
      try {
        const payload = JSON.parse(text) as CachedPayload;
        if (payload.schema === CACHE_SCHEMA) return payload;
      } catch {
        // A damaged entry is a miss; the next successful read replaces it.
      }
    }
    return undefined;
  }

  async put(payload: CachedPayload, platform?: string): Promise<void> {
    const key = ReleaseCache.key(payload.listDigest ?? payload.digest, payload.listDigest ? platform : undefined);
    const target = this.file(key);
    await writeAtomic(target, JSON.stringify(payload));
  }

  /**
   * The release model built from a cached payload, so a second read skips parsing hundreds of manifests. Kept
   * per payload key and per view (`multi` for a list read as a whole, or the chosen platform).
   */
  async getRelease(digest: string, view: string): Promise<Release | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.releaseFile(digest, view), 'utf8')) as { schema: number; release: Release };
      return parsed.schema === RELEASE_SCHEMA ? parsed.release : undefined;
    } catch {
      return undefined;
    }
  }

  async putRelease(digest: string, view: string, release: Release): Promise<void> {
    const target = this.releaseFile(digest, view);
    const listed: Release = { ...release, manifests: release.manifests.map(({ content: _content, ...manifest }) => manifest) };
    await writeAtomic(target, JSON.stringify({ schema: RELEASE_SCHEMA, release: listed }));
  }

  private releaseFile(digest: string, view: string): string {
    return path.join(this.dir, 'releases', `${ReleaseCache.key(digest, view)}.json`);
  }

  /** Every cached payload, for indexes such as the hover's "which release has this digest". */
  async list(): Promise<CachedPayload[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dir, 'payloads'));
    } catch {
      return [];
    }
    const out: CachedPayload[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const payload = JSON.parse(await fs.readFile(path.join(this.dir, 'payloads', name), 'utf8')) as CachedPayload;
        if (payload.schema === CACHE_SCHEMA) out.push(payload);
      } catch {
        // skip damaged entries
      }
    }
    return out;
  }
}

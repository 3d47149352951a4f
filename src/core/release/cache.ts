import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OkdError } from '../errors';
import { sha256Digest } from '../registry/digest';
import type { Release } from './model';
import { isReleaseSummary, type ReleaseSummary } from './summary';
import { readReleaseManifests } from './tar';

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

/**
 * What a payload entry holds on disk: everything but the files, which stay in the top layer's own bytes (a
 * compressed blob of tens of KiB next to the entry, where the files would be megabytes of JSON).
 */
export type PayloadEntry = Omit<CachedPayload, 'files'>;

/** A payload entry as listed, with the key its files are filed under (`ReleaseCache.key`). */
export interface ListedPayload {
  key: string;
  entry: PayloadEntry;
}

/** The payload a tag named when it was last read (see ReleaseCache.putTag). */
export interface TagMemo {
  pullSpec: string;
  view: string;
  digest: string;
  resolvedAt: string;
}

/** 2: the files are kept as the top layer blob under blobs/sha256/ (1 kept them as JSON in the entry). Entries of
 * schema N live in payloads/vN/ (1 and 2 before this layout: payloads/, left alone for the version that wrote them). */
export const CACHE_SCHEMA = 2;
/** Bump when the Release model's shape changes: cached models of the old shape are then rebuilt. */
export const RELEASE_SCHEMA = 3;
/** Bump when ReleaseSummary's shape changes: summaries of the old shape (in summaries/v<old>/) are then rebuilt. */
export const SUMMARY_SCHEMA = 1;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Writes through a temp file next to `target` (unique even for writes of the same key in one millisecond) and a
 * rename. Folders are made private (0700) and files readable by the user only (0600): a cache holds what private
 * registries served.
 */
async function writeAtomic(target: string, text: string | Buffer): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await fs.writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** `OKD_DEV_CACHE_DIR`, else `$XDG_CACHE_HOME/okd-dev`, else `~/.cache/okd-dev`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (env.OKD_DEV_CACHE_DIR) return path.resolve(env.OKD_DEV_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(home, '.cache');
  return path.join(base, 'okd-dev');
}

/**
 * Refuses a cache folder another user could write to (world-writable, or owned by someone else): its entries could
 * have been planted. Creates it private (0700) when it does not exist yet.
 */
async function checkCacheDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(dir);
  } catch {
    return; // not there and not creatable: every read is a miss, every write fails with its own error
  }
  if (!st.isDirectory()) return; // unusable rather than unsafe: reads miss, writes fail and are reported
  const uid = process.getuid?.();
  const others = (st.mode & 0o002) !== 0;
  const foreign = uid !== undefined && st.uid !== uid;
  if (others || foreign) {
    const why = others ? `is writable by every user (mode ${(st.mode & 0o777).toString(8)})` : `belongs to another user (uid ${st.uid})`;
    throw new OkdError('invalid-input', `the release cache ${dir} ${why}: its entries could have been put there by someone else`, `run \`chmod 700 ${dir}\` if it is yours, or point OKD_DEV_CACHE_DIR (okd.cacheDir in the editor) at a private folder`);
  }
}

/**
 * Payloads read before, keyed by manifest digest (plus the platform for a manifest list). Every file name is
 * derived from a validated digest, so nothing is written outside `dir`; writes are atomic (temp file + rename).
 * Entries live under their schema version (`payloads/v2/`, `releases/v3/`), so an older and a newer okd-dev sharing
 * the folder each keep their own; blobs are named by digest and shared.
 */
export class ReleaseCache {
  private checked: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** The folder is safe to use (checked once per cache; a refusal is checked again next time, after a chmod). */
  private ready(): Promise<void> {
    this.checked ??= checkCacheDir(this.dir).catch((err: unknown) => {
      this.checked = undefined;
      throw err;
    });
    return this.checked;
  }

  static key(digest: string, platform?: string): string {
    if (!DIGEST.test(digest)) throw new OkdError('invalid-input', `'${digest}' is not a sha256 digest`);
    const hex = digest.slice('sha256:'.length);
    return platform ? `${hex}-${platform.replace(/[^a-z0-9]+/gi, '_')}` : hex;
  }

  private file(key: string): string {
    return path.join(this.payloadsDir(), `${key}.json`);
  }

  private payloadsDir(): string {
    return path.join(this.dir, 'payloads', `v${CACHE_SCHEMA}`);
  }

  private blobFile(digest: string): string {
    ReleaseCache.key(digest); // a sha256 digest, so the name stays inside dir
    return path.join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  async get(digest: string, platform?: string): Promise<CachedPayload | undefined> {
    await this.ready();
    for (const key of platform ? [ReleaseCache.key(digest, platform), ReleaseCache.key(digest)] : [ReleaseCache.key(digest)]) {
      const payload = await this.readEntry(this.file(key));
      // The entry must be the one its name says (a copied or planted file is a miss).
      if (payload && (payload.listDigest ?? payload.digest) === digest) return payload;
    }
    return undefined;
  }

  /** The entry alone (no blob read): a missing, damaged or foreign entry is a miss. */
  private async readEntryOnly(file: string): Promise<PayloadEntry | undefined> {
    try {
      const entry = JSON.parse(await fs.readFile(file, 'utf8')) as PayloadEntry;
      if (entry.schema !== CACHE_SCHEMA || !Array.isArray(entry.layers) || !entry.layers.every((l) => DIGEST.test(l))) return undefined;
      if (typeof entry.digest !== 'string' || !DIGEST.test(entry.listDigest ?? entry.digest)) return undefined;
      return entry;
    } catch {
      return undefined;
    }
  }

  /**
   * A payload entry with its files, read back from the top layer blob. The blob is verified against its digest
   * again; a missing, damaged or unreadable entry is a miss, and the next successful read replaces it.
   */
  private async readEntry(file: string): Promise<CachedPayload | undefined> {
    try {
      const entry = await this.readEntryOnly(file);
      if (!entry) return undefined;
      const top = entry.layers[entry.layers.length - 1];
      if (!top) return undefined;
      const layer = await fs.readFile(this.blobFile(top));
      if (sha256Digest(layer) !== top) return undefined;
      const files = await readReleaseManifests(layer, `${top} in ${this.dir}`);
      return { ...entry, files: Object.fromEntries(files) };
    } catch {
      return undefined;
    }
  }

  /** Keeps a payload: its top layer's bytes (`topLayer`, verified by the reader) and the entry that names them. */
  async put(payload: CachedPayload, topLayer: Buffer, platform?: string): Promise<void> {
    await this.ready();
    const key = ReleaseCache.key(payload.listDigest ?? payload.digest, payload.listDigest ? platform : undefined);
    const top = payload.layers[payload.layers.length - 1];
    if (!top) throw new OkdError('invalid-input', `payload ${payload.pullSpec} has no layers to cache`);
    if (sha256Digest(topLayer) !== top) throw new OkdError('integrity', `the top layer given for ${payload.pullSpec} is not ${top}`);
    const { files: _files, ...entry } = payload;
    // The blob first: an entry is never on disk without the bytes it names. Blobs are named by content, so one
    // already there is kept (it is checked against its digest when read).
    const blob = this.blobFile(top);
    if (!(await exists(blob))) await writeAtomic(blob, topLayer);
    await writeAtomic(this.file(key), JSON.stringify(entry));
  }

  /**
   * The release model built from a cached payload, so a second read skips parsing hundreds of manifests. Kept
   * per payload key and per view (`multi` for a list read as a whole, or the chosen platform).
   */
  async getRelease(digest: string, view: string): Promise<Release | undefined> {
    await this.ready();
    try {
      const parsed = JSON.parse(await fs.readFile(this.releaseFile(digest, view), 'utf8')) as { schema: number; digest?: string; release: Release };
      return parsed.schema === RELEASE_SCHEMA && parsed.digest === digest ? parsed.release : undefined;
    } catch {
      return undefined;
    }
  }

  async putRelease(digest: string, view: string, release: Release): Promise<void> {
    await this.ready();
    const target = this.releaseFile(digest, view);
    const listed: Release = { ...release, manifests: release.manifests.map(({ content: _content, ...manifest }) => manifest) };
    await writeAtomic(target, JSON.stringify({ schema: RELEASE_SCHEMA, digest, release: listed }));
  }

  /**
   * Remembers which payload a tag named when it was read, so that a read by tag can still answer from the cache
   * while the registry cannot be reached. Keyed by a hash of the pullspec and view: any tag maps to a safe name.
   */
  async putTag(pullSpec: string, view: string, digest: string): Promise<void> {
    ReleaseCache.key(digest);
    await this.ready();
    const memo: TagMemo = { pullSpec, view, digest, resolvedAt: new Date().toISOString() };
    await writeAtomic(this.tagFile(pullSpec, view), JSON.stringify(memo));
  }

  async getTag(pullSpec: string, view: string): Promise<TagMemo | undefined> {
    await this.ready();
    try {
      const memo = JSON.parse(await fs.readFile(this.tagFile(pullSpec, view), 'utf8')) as TagMemo;
      return memo.pullSpec === pullSpec && memo.view === view && DIGEST.test(memo.digest) ? memo : undefined;
    } catch {
      return undefined;
    }
  }

  private tagFile(pullSpec: string, view: string): string {
    return path.join(this.dir, 'tags', `${createHash('sha256').update(`${pullSpec}\n${view}`).digest('hex')}.json`);
  }

  private releaseFile(digest: string, view: string): string {
    return path.join(this.dir, 'releases', `v${RELEASE_SCHEMA}`, `${ReleaseCache.key(digest, view)}.json`);
  }

  /**
   * The summary kept for the payload filed under `key` (see `entries()`), when it is of this schema and names
   * `digest` (the payload's list digest, else its digest); else undefined, and the caller builds it again.
   */
  async getSummary(key: string, digest: string): Promise<ReleaseSummary | undefined> {
    await this.ready();
    try {
      const parsed = JSON.parse(await fs.readFile(this.summaryFile(key), 'utf8')) as { schema?: unknown; digest?: unknown; summary?: unknown };
      return parsed.schema === SUMMARY_SCHEMA && parsed.digest === digest && isReleaseSummary(parsed.summary) ? parsed.summary : undefined;
    } catch {
      return undefined;
    }
  }

  async putSummary(key: string, digest: string, summary: ReleaseSummary): Promise<void> {
    await this.ready();
    await writeAtomic(this.summaryFile(key), JSON.stringify({ schema: SUMMARY_SCHEMA, digest, summary }));
  }

  private summaryFile(key: string): string {
    if (!/^[a-f0-9]{64}(?:-[A-Za-z0-9_]+)?$/.test(key)) throw new OkdError('invalid-input', `'${key}' is not a payload cache key`);
    return path.join(this.dir, 'summaries', `v${SUMMARY_SCHEMA}`, `${key}.json`);
  }

  /**
   * Every cached payload's entry, without reading its files (no blob is read or un-gzipped): what an index of the
   * cache needs to find each payload's summary or model.
   */
  async entries(): Promise<ListedPayload[]> {
    const out: ListedPayload[] = [];
    for (const name of await this.entryNames()) {
      const entry = await this.readEntryOnly(path.join(this.payloadsDir(), name));
      const key = name.slice(0, -'.json'.length);
      // The entry must be the one its name says (a copied or planted file is skipped).
      if (entry && key.split('-')[0] === (entry.listDigest ?? entry.digest).slice('sha256:'.length)) out.push({ key, entry });
    }
    return out;
  }

  /** Every cached payload with its files (each top layer read and un-gzipped): for tools, not for indexes. */
  async list(): Promise<CachedPayload[]> {
    const out: CachedPayload[] = [];
    for (const name of await this.entryNames()) {
      const payload = await this.readEntry(path.join(this.payloadsDir(), name));
      if (payload) out.push(payload);
    }
    return out;
  }

  /** File names of the payload entries of this schema, sorted; none when the folder is not there. */
  private async entryNames(): Promise<string[]> {
    await this.ready();
    try {
      return (await fs.readdir(this.payloadsDir())).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
  }
}

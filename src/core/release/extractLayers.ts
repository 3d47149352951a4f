import { once } from 'node:events';
import * as path from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { loadTarStream } from '../lazyModules';
import { CancelledError } from '../cancel';
import { OkdError } from '../errors';
import { MediaTypes } from '../registry/types';
import { safeEntryPath } from './tar';

export interface LayerVerdict {
  /** The file is in this layer: `consume` got its content. */
  found: boolean;
  /** Set when it is not here and a whiteout in this layer hides it (or a folder above it) in every lower layer. */
  hidden?: string;
  /** The watched paths this layer holds as regular files. */
  seen: string[];
  /** The watched paths a whiteout in this layer hides in every lower layer. */
  hides: string[];
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** The decompressing stream for a layer's media type (gzip or plain tar; zstd is refused). */
export function layerDecompressor(mediaType: string, layer: string): Transform {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) {
    throw new OkdError('unsupported', `layer ${layer} is zstd-compressed`, 'only gzip and uncompressed layers can be read');
  }
  if (mediaType === MediaTypes.ociLayer || mediaType.endsWith('.tar')) return new PassThrough();
  return zlib.createGunzip();
}

/** What a whiteout entry (`dir/.wh.name` or `dir/.wh..wh..opq`) hides of `target`, or undefined. */
function whiteoutHides(dir: string, base: string, target: string): string | undefined {
  if (base === OPAQUE) {
    if (dir === '.') return '/';
    return target.startsWith(`${dir}/`) ? `${dir}/` : undefined;
  }
  if (!base.startsWith(WHITEOUT)) return undefined;
  const gone = dir === '.' ? base.slice(WHITEOUT.length) : `${dir}/${base.slice(WHITEOUT.length)}`;
  return target === gone || target.startsWith(`${gone}/`) ? gone : undefined;
}

/**
 * Reads one layer (the whole stream, so the caller's digest check runs) looking for `target`, a path relative to
 * the image root. When the regular file is there, its content is handed to `consume`; whiteouts in the layer
 * (`.wh.<name>` hides a path, `.wh..wh..opq` hides a folder's lower contents) decide whether lower layers may
 * still have it. Entries with absolute names or `..` are refused, and links at the target are not followed.
 * `watch` lists other paths to report on (present here, or hidden below), so a caller can say what an image has.
 */
export async function searchLayer(
  stream: Readable,
  options: {
    mediaType: string;
    layer: string;
    target: string;
    consume: (content: AsyncIterable<Buffer>, size: number) => Promise<void>;
    watch?: readonly string[];
    signal?: AbortSignal;
  },
): Promise<LayerVerdict> {
  const target = options.target;
  const watch = options.watch ?? [];
  let found = false;
  let hidden: string | undefined;
  const seen = new Set<string>();
  const hides = new Set<string>();
  const extract = loadTarStream().extract();
  extract.on('entry', (header, entry, next) => {
    const handle = async (): Promise<void> => {
      const name = safeEntryPath(header.name, options.layer).replace(/\/$/, '');
      const dir = path.posix.dirname(name);
      const base = path.posix.basename(name);
      if (base.startsWith(WHITEOUT)) {
        hidden ??= whiteoutHides(dir, base, target);
        for (const w of watch) if (whiteoutHides(dir, base, w) !== undefined) hides.add(w);
      } else if (name === target && !found) {
        if (header.type === 'symlink' || header.type === 'link') {
          throw new OkdError('unsupported', `${target} in layer ${options.layer} is a link to '${header.linkname ?? ''}'`, 'links are not followed; the image must hold the file itself');
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') {
          throw new OkdError('not-found', `${target} in layer ${options.layer} is a ${header.type ?? 'special entry'}, not a file`);
        }
        found = true;
        await options.consume(entry as unknown as AsyncIterable<Buffer>, header.size ?? 0);
        return;
      } else if ((header.type === 'file' || header.type === 'contiguous-file') && watch.includes(name)) {
        seen.add(name);
      }
      entry.resume();
      await once(entry, 'end');
    };
    handle().then(() => next(), (err: unknown) => next(err as Error));
  });
  try {
    await pipeline(stream, layerDecompressor(options.mediaType, options.layer), extract, options.signal ? { signal: options.signal } : {});
  } catch (err) {
    if (err instanceof OkdError || err instanceof CancelledError) throw err;
    if ((err as Error).name === 'AbortError' || options.signal?.aborted) throw new CancelledError(`reading layer ${options.layer}`);
    throw new OkdError('integrity', `layer ${options.layer} is corrupt: ${(err as Error).message}`, 'the image is damaged in the registry; nothing was written', { cause: err });
  }
  const verdict: LayerVerdict = { found, seen: [...seen], hides: [...hides] };
  if (!found && hidden !== undefined) verdict.hidden = hidden;
  return verdict;
}

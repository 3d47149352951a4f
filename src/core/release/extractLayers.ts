import { once } from 'node:events';
import * as path from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { loadTarStream } from '../lazyModules';
import { OkdError } from '../errors';
import { MediaTypes } from '../registry/types';
import { safeEntryPath } from './tar';

export interface LayerVerdict {
  /** The file is in this layer: `consume` got its content. */
  found: boolean;
  /** Set when it is not here and a whiteout in this layer hides it (or a folder above it) in every lower layer. */
  hidden?: string;
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

/**
 * Reads one layer (the whole stream, so the caller's digest check runs) looking for `target`, a path relative to
 * the image root. When the regular file is there, its content is handed to `consume`; whiteouts in the layer
 * (`.wh.<name>` hides a path, `.wh..wh..opq` hides a folder's lower contents) decide whether lower layers may
 * still have it. Entries with absolute names or `..` are refused, and links at the target are not followed.
 */
export async function searchLayer(
  stream: Readable,
  options: { mediaType: string; layer: string; target: string; consume: (content: AsyncIterable<Buffer>, size: number) => Promise<void> },
): Promise<LayerVerdict> {
  const target = options.target;
  let found = false;
  let hidden: string | undefined;
  const extract = loadTarStream().extract();
  extract.on('entry', (header, entry, next) => {
    const handle = async (): Promise<void> => {
      const name = safeEntryPath(header.name, options.layer).replace(/\/$/, '');
      const dir = path.posix.dirname(name);
      const base = path.posix.basename(name);
      if (base === OPAQUE) {
        if (dir === '.' || target.startsWith(`${dir}/`)) hidden ??= dir === '.' ? '/' : `${dir}/`;
      } else if (base.startsWith(WHITEOUT)) {
        const gone = dir === '.' ? base.slice(WHITEOUT.length) : `${dir}/${base.slice(WHITEOUT.length)}`;
        if (target === gone || target.startsWith(`${gone}/`)) hidden ??= gone;
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
      }
      entry.resume();
      await once(entry, 'end');
    };
    handle().then(() => next(), (err: unknown) => next(err as Error));
  });
  try {
    await pipeline(stream, layerDecompressor(options.mediaType, options.layer), extract);
  } catch (err) {
    if (err instanceof OkdError) throw err;
    throw new OkdError('integrity', `layer ${options.layer} is corrupt: ${(err as Error).message}`, 'the image is damaged in the registry; nothing was written', { cause: err });
  }
  if (found) return { found: true };
  return hidden !== undefined ? { found: false, hidden } : { found: false };
}

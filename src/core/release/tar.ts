import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { loadTarStream } from '../lazyModules';
import { OkdError } from '../errors';

/** Where a payload keeps its manifests inside the top layer. */
export const RELEASE_MANIFESTS_DIR = 'release-manifests/';

export interface LayerReadLimits {
  /** Stop reading once the decompressed layer is larger than this. */
  maxDecompressedBytes: number;
  /** Stop once the kept files add up to more than this. */
  maxKeptBytes: number;
}

export const defaultLayerReadLimits: LayerReadLimits = {
  maxDecompressedBytes: 1024 * 1024 * 1024,
  maxKeptBytes: 256 * 1024 * 1024,
};

/**
 * The entry name as a path relative to the layer root, or an error for a name that would escape it.
 * Layers write `./release-manifests/x` or `release-manifests/x`; both mean the same file.
 */
export function safeEntryPath(name: string, layer: string): string {
  if (name.startsWith('/')) {
    throw new OkdError('integrity', `layer ${layer} has an entry with an absolute name '${name}'`, 'the image is not a well-formed release payload; nothing was read from it');
  }
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new OkdError('integrity', `layer ${layer} has an entry '${name}' that escapes the layer with '..'`, 'the image is not a well-formed release payload; nothing was read from it');
  }
  return parts.join('/') + (name.endsWith('/') && parts.length ? '/' : '');
}

/** Counts decompressed bytes and fails the stream once they pass the limit. */
function sizeCap(limit: number, layer: string): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      total += chunk.length;
      if (total > limit) {
        callback(new OkdError('integrity', `layer ${layer} decompresses to more than ${Math.round(limit / 1048576)} MiB`, 'a release-manifests layer is a few MiB; this image is not a release payload'));
        return;
      }
      callback(null, chunk);
    },
  });
}

/** Passes gzip data through gunzip and anything else (an uncompressed tar) unchanged, judged by the magic bytes. */
function decompressor(layer: string): Transform {
  let inner: Transform | undefined;
  const outer = new Transform({
    transform(chunk: Buffer, encoding, callback) {
      if (!inner) {
        if (chunk.length >= 4 && chunk.readUInt32LE(0) === 0xfd2fb528) {
          callback(new OkdError('unsupported', `layer ${layer} is zstd-compressed`, 'only gzip and uncompressed layers can be read'));
          return;
        }
        inner = chunk[0] === 0x1f && chunk[1] === 0x8b ? zlib.createGunzip({ chunkSize: 256 * 1024 }) : new Transform({ transform: (c, _e, cb) => cb(null, c) });
        inner.on('data', (data: Buffer) => outer.push(data));
        inner.on('error', (err) => outer.destroy(corrupt(layer, err)));
      }
      inner.write(chunk, encoding, () => callback());
    },
    flush(callback) {
      if (!inner) return callback();
      inner.once('end', () => callback());
      inner.end();
    },
  });
  return outer;
}

function corrupt(layer: string, err: Error): OkdError {
  if (err instanceof OkdError) return err;
  const reason = /unexpected end/i.test(err.message) ? 'the gzip data ends early (truncated layer)' : err.message;
  return new OkdError('integrity', `layer ${layer} is corrupt: ${reason}`, 'the image is damaged in the registry; nothing was cached', { cause: err });
}

/**
 * Streams one layer (gzip or plain tar) and keeps the regular files under `release-manifests/`, keyed by their
 * name inside that folder. Rejects absolute names, `..` and links there; the stream is read to its end so the
 * caller's digest check runs before anything is used.
 */
export async function readReleaseManifests(
  layerStream: Readable,
  layer: string,
  limits: LayerReadLimits = defaultLayerReadLimits,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let kept = 0;
  const extract = loadTarStream().extract();
  extract.on('entry', (header, stream, next) => {
    const consume = async (): Promise<void> => {
      const path = safeEntryPath(header.name, layer);
      const inside = path.startsWith(RELEASE_MANIFESTS_DIR) ? path.slice(RELEASE_MANIFESTS_DIR.length) : undefined;
      if (inside !== undefined && (header.type === 'symlink' || header.type === 'link')) {
        throw new OkdError('integrity', `layer ${layer} has a link '${header.name}' -> '${header.linkname ?? ''}' in release-manifests/`, 'a release payload holds regular files only; nothing was read from it');
      }
      if (inside === undefined || inside === '' || header.type !== 'file' || inside.includes('/')) {
        stream.resume();
        await new Promise<void>((resolve, reject) => stream.once('end', resolve).once('error', reject));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of stream) {
        kept += (chunk as Buffer).length;
        if (kept > limits.maxKeptBytes) {
          throw new OkdError('integrity', `release-manifests/ in layer ${layer} is larger than ${Math.round(limits.maxKeptBytes / 1048576)} MiB`, 'this image is not a release payload');
        }
        chunks.push(chunk as Buffer);
      }
      files.set(inside, Buffer.concat(chunks).toString('utf8'));
    };
    consume().then(() => next(), (err: unknown) => next(err as Error));
  });
  try {
    await pipeline(layerStream, decompressor(layer), sizeCap(limits.maxDecompressedBytes, layer), extract);
  } catch (err) {
    throw err instanceof OkdError ? err : corrupt(layer, err as Error);
  }
  return files;
}

import * as zlib from 'node:zlib';
import type { Extract as TarExtract } from 'tar-stream';
import { loadTarStream } from '../lazyModules';
import { OkdError } from '../errors';

/** Where a payload keeps its manifests inside the top layer. */
export const RELEASE_MANIFESTS_DIR = 'release-manifests/';

export interface LayerReadLimits {
  /** Refuse a top layer larger than this before reading it: a release-manifests layer is a few MiB. */
  maxLayerBytes: number;
  /** Stop once the decompressed layer is larger than this. */
  maxDecompressedBytes: number;
  /** Stop once the kept files add up to more than this. */
  maxKeptBytes: number;
}

export const defaultLayerReadLimits: LayerReadLimits = {
  maxLayerBytes: 64 * 1024 * 1024,
  maxDecompressedBytes: 1024 * 1024 * 1024,
  maxKeptBytes: 256 * 1024 * 1024,
};

const MiB = (bytes: number) => Math.round(bytes / 1048576);

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

/** The error for a top layer too large to be a release-manifests layer, raised before any byte of it is read. */
export function layerTooLarge(layer: string, size: number, limits: LayerReadLimits = defaultLayerReadLimits): OkdError {
  return new OkdError(
    'not-a-payload',
    `layer ${layer} is ${MiB(size)} MiB, more than the ${MiB(limits.maxLayerBytes)} MiB a release-manifests layer can be`,
    'pass the pullspec of a release payload (quay.io/okd/scos-release:<version>); its top layer holds only release-manifests/',
  );
}

function corrupt(layer: string, err: Error): OkdError {
  if (err instanceof OkdError) return err;
  const reason = /unexpected end/i.test(err.message) ? 'the gzip data ends early (truncated layer)' : err.message;
  return new OkdError('integrity', `layer ${layer} is corrupt: ${reason}`, 'the image is damaged in the registry; nothing was cached', { cause: err });
}

function tooLargeDecompressed(layer: string, limit: number): OkdError {
  return new OkdError('integrity', `layer ${layer} decompresses to more than ${MiB(limit)} MiB`, 'a release-manifests layer is a few MiB; this image is not a release payload');
}

/**
 * Feeds the tar inside a layer to `extract`: gunzipped as a stream (1 MiB chunks, with backpressure, so only the
 * kept files stay in memory), or the bytes themselves for an uncompressed tar. Past `limit` decompressed bytes the
 * extract fails.
 */
function feedTar(data: Buffer, layer: string, limit: number, extract: TarExtract): void {
  if (data.length >= 4 && data.readUInt32LE(0) === 0xfd2fb528) {
    extract.destroy(new OkdError('unsupported', `layer ${layer} is zstd-compressed`, 'only gzip and uncompressed layers can be read'));
    return;
  }
  if (data[0] !== 0x1f || data[1] !== 0x8b) {
    if (data.length > limit) extract.destroy(tooLargeDecompressed(layer, limit));
    else extract.end(data);
    return;
  }
  const gunzip = zlib.createGunzip({ chunkSize: 1024 * 1024 });
  let total = 0;
  gunzip.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > limit) {
      extract.destroy(tooLargeDecompressed(layer, limit));
    } else if (!extract.write(chunk)) {
      gunzip.pause();
      extract.once('drain', () => gunzip.resume());
    }
  });
  gunzip.on('end', () => extract.end(undefined));
  gunzip.on('error', (err) => extract.destroy(corrupt(layer, err)));
  // Once the extract fails (a refused entry, a cap), nothing more is decompressed.
  extract.on('close', () => gunzip.destroy());
  gunzip.end(data);
}

/**
 * Reads one layer (gzip or plain tar, already verified against its digest) and keeps the regular files under
 * `release-manifests/`, keyed by their name inside that folder. Rejects absolute names, `..` and links there.
 * The compressed layer is in memory (a release-manifests layer is tens of KiB to a few MiB; `layerTooLarge` refuses
 * more than `maxLayerBytes`); it is decompressed as a stream.
 */
export async function readReleaseManifests(
  data: Buffer,
  layer: string,
  limits: LayerReadLimits = defaultLayerReadLimits,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let kept = 0;
  const extract = loadTarStream().extract();
  extract.on('entry', (header, stream, next) => {
    // A failure ends the whole extract (and its promise below) and destroys this entry with the same error.
    stream.on('error', () => undefined);
    let inside: string | undefined;
    try {
      const path = safeEntryPath(header.name, layer);
      inside = path.startsWith(RELEASE_MANIFESTS_DIR) ? path.slice(RELEASE_MANIFESTS_DIR.length) : undefined;
      if (inside !== undefined && (header.type === 'symlink' || header.type === 'link')) {
        throw new OkdError('integrity', `layer ${layer} has a link '${header.name}' -> '${header.linkname ?? ''}' in release-manifests/`, 'a release payload holds regular files only; nothing was read from it');
      }
    } catch (err) {
      stream.resume();
      next(err as Error);
      return;
    }
    if (inside === undefined || inside === '' || header.type !== 'file' || inside.includes('/')) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    const name = inside;
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      kept += (chunk as Buffer).length;
      // Past the cap nothing more is held: the entry's end reports it.
      if (kept <= limits.maxKeptBytes) chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      if (kept > limits.maxKeptBytes) {
        next(new OkdError('integrity', `release-manifests/ in layer ${layer} is larger than ${MiB(limits.maxKeptBytes)} MiB`, 'this image is not a release payload'));
        return;
      }
      files.set(name, chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (err: Error) => reject(corrupt(layer, err)));
    feedTar(data, layer, limits.maxDecompressedBytes, extract);
  });
  return files;
}

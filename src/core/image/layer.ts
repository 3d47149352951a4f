import * as zlib from 'node:zlib';
import { loadTarStream } from '../lazyModules';
import { sha256Digest as sha256 } from '../registry/digest';
import { MediaTypes } from '../registry/types';

export interface LayerEntry {
  /** Path inside the image, without a leading slash (`usr/bin/operator`, `release-manifests/image-references`). */
  path: string;
  content: Buffer;
  /** File mode, default 0o644. */
  mode?: number;
  mtime?: Date;
}

/** A layer ready to push: the compressed blob and the uncompressed digest the image config lists. */
export interface LayerBlob {
  mediaType: string;
  digest: string;
  size: number;
  diffId: string;
  data: Buffer;
}

/** `sha256:<hex>` of the bytes: the registry client's sha256Digest, under the name layer code uses. */
export { sha256 };

/** Tars the entries with their parent folders, in order, with fixed times: the same entries give the same bytes. */
export async function tarEntries(entries: LayerEntry[]): Promise<Buffer> {
  const pack = loadTarStream().pack();
  const mtime = new Date(0);
  const folders = new Set<string>();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of entries) {
    const parts = entry.path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/') + '/';
      if (folders.has(folder)) continue;
      folders.add(folder);
      pack.entry({ name: folder, type: 'directory', mode: 0o755, mtime: entry.mtime ?? mtime });
    }
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: parts.join('/'), mode: entry.mode ?? 0o644, mtime: entry.mtime ?? mtime, size: entry.content.length }, entry.content, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Tars the entries (with their parent folders, in order) and gzips them: one image layer. */
export async function buildLayer(entries: LayerEntry[], options: { gzipLevel?: number; oci?: boolean } = {}): Promise<LayerBlob> {
  const tarball = await tarEntries(entries);
  const data = zlib.gzipSync(tarball, { level: options.gzipLevel ?? 6 });
  return {
    mediaType: options.oci === false ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip,
    digest: sha256(data),
    size: data.length,
    diffId: sha256(tarball),
    data,
  };
}

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';

/** A gzip layer kept on disk, so the 100 MB+ base is made once per machine, not once per test. */
export interface BaseLayer {
  file: string;
  digest: string;
  diffId: string;
  size: number;
}

const layerSizes = [48, 30, 16, 10].map((mib) => mib * 1024 * 1024);
const baseDir = path.join(os.tmpdir(), 'okd-dev-test-base-v1');

/**
 * A realistic CVO base image: four layers of incompressible bytes, 104 MiB compressed in all, standing in for the
 * RHEL/SCOS base and the cluster-version-operator binary.
 */
export async function baseLayers(): Promise<BaseLayer[]> {
  const index = path.join(baseDir, 'layers.json');
  if (fs.existsSync(index)) {
    const layers = JSON.parse(fs.readFileSync(index, 'utf8')) as BaseLayer[];
    if (layers.every((layer) => fs.existsSync(layer.file) && fs.statSync(layer.file).size === layer.size)) return layers;
  }
  fs.mkdirSync(baseDir, { recursive: true });
  const layers: BaseLayer[] = [];
  for (const [i, size] of layerSizes.entries()) layers.push(await writeLayer(i, size));
  const temp = `${index}.${process.pid}`;
  fs.writeFileSync(temp, JSON.stringify(layers));
  fs.renameSync(temp, index);
  return layers;
}

async function writeLayer(i: number, size: number): Promise<BaseLayer> {
  const pack = tar.pack();
  const gzip = zlib.createGzip({ level: 0 });
  const file = path.join(baseDir, `layer-${i}.${process.pid}.tar.gz`);
  const out = fs.createWriteStream(file);
  const compressed = createHash('sha256');
  const uncompressed = createHash('sha256');
  let bytes = 0;
  pack.on('data', (chunk: unknown) => {
    uncompressed.update(chunk as Buffer);
  });
  gzip.on('data', (chunk: Buffer) => {
    compressed.update(chunk);
    bytes += chunk.length;
  });
  pack.pipe(gzip).pipe(out);
  pack.entry({ name: `usr/lib/base-${i}.bin`, size, mode: 0o644, mtime: new Date(0) }, randomBytes(size));
  pack.finalize();
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
  const digest = `sha256:${compressed.digest('hex')}`;
  const final = path.join(baseDir, `${digest.slice(7)}.tar.gz`);
  fs.renameSync(file, final);
  return { file: final, digest, diffId: `sha256:${uncompressed.digest('hex')}`, size: bytes };
}

import { type ComponentImage, type ComponentImages, componentImageWarnings } from './componentImages';
import type { Release } from './model';
import { renderReleaseInfo } from './render';

/**
 * The Images section of `oc adm release info --size`: per component its age, layer count, size and the part of it
 * no other component shares (MB, 1024*1024 bytes), a BASE column when the images have more than one bottom layer,
 * and the total of the payload with every shared layer counted once (SI units, as docker's HumanSize).
 */
export function renderSizeSection(release: Release, images: ReadonlyMap<string, ComponentImage>, now: Date): string {
  const layerCount = new Map<string, number>();
  const bases = new Map<string, number>();
  let total = 0;
  for (const image of images.values()) {
    image.layers.forEach((layer, i) => {
      if (i === 0 && !bases.has(layer.digest)) bases.set(layer.digest, 0);
      const count = layerCount.get(layer.digest) ?? 0;
      if (count === 0) total += layer.size;
      layerCount.set(layer.digest, count + 1);
    });
  }
  const manyBases = bases.size > 1;
  let s = 'Images:\n';
  s += `  NAME\t AGE\t LAYERS\t SIZE MB\t UNIQUE MB\t ${manyBases ? 'BASE' : ''}\n`;
  const covered = new Set<string>();
  let nextBase = 1;
  for (const component of release.components) {
    const image = images.get(component.name);
    if (!image || image.layers.length === 0) {
      s += `  ${component.name}\t\t\t\t\t\n`;
      continue;
    }
    let base = '';
    const bottom = (image.layers[0] as { digest: string }).digest;
    if (manyBases) {
      let index = bases.get(bottom) ?? 0;
      if (index === 0) {
        index = nextBase++;
        bases.set(bottom, index);
      }
      base = bases.size <= 5 ? ' '.repeat(index - 1) + String.fromCharCode(64 + index) : String(index);
    }
    let size = 0;
    let unique = 0;
    for (const layer of image.layers) {
      size += layer.size;
      if ((layerCount.get(layer.digest) ?? 0) <= 1) unique += layer.size;
    }
    // No layer of its own: its top layer, the first time it is shown, stands for what this image adds.
    if (unique === 0) {
      const top = image.layers[image.layers.length - 1] as { digest: string; size: number };
      if (!covered.has(top.digest)) {
        unique = top.size;
        covered.add(top.digest);
      }
    }
    const created = image.config.created ? Date.parse(image.config.created) : NaN;
    const age = Number.isNaN(created) || created <= 0 ? '' : shortHumanDuration(now.getTime() - created);
    s += `  ${component.name}\t${age.padStart(4)}\t${String(image.layers.length).padStart(7)}\t${mb(size).padStart(8)}\t${mb(unique).padStart(10)}\t ${base}\n`;
  }
  s += '\n';
  s += `  ${humanSize(total)} across ${layerCount.size} layers${manyBases ? `, ${bases.size} different base images` : ''}`;
  return s;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** docker/go-units HumanSize: SI units (1000), four significant digits, no trailing zeros (`1.235GB`, `12kB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${String(Number(size.toPrecision(4)))}${units[i] as string}`;
}

/** apimachinery's ShortHumanDuration, as oc prints an image's age: `45s`, `12m`, `5h`, `3d`, `2y`. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** `oc adm release info --size`: the release with the size table as its Images section; unread images are warnings. */
export function renderReleaseSize(release: Release, read: ComponentImages, now: Date): string {
  const warnings = [...release.warnings, ...componentImageWarnings(read)].sort();
  return renderReleaseInfo({ ...release, warnings }, { imagesSection: renderSizeSection(release, read.images, now) });
}

import { OkdError } from '../errors';
import { tryParsePullspec } from '../pullspec';
import { releaseDigest } from './diff';
import type { Release } from './model';
import { formatCreated } from './render';

/** `-o name`: one component name a line, in image-references order. */
export function renderImageNames(release: Release): string {
  return release.components.map((c) => `${c.name}\n`).join('');
}

/** `-o pullspec`: one component pullspec a line. */
export function renderImagePullspecs(release: Release): string {
  return release.components.map((c) => `${c.pullSpec}\n`).join('');
}

/**
 * `-o digest`: one component digest a line; a component whose pullspec names no digest is an error line for stderr
 * (`NAME does not point to a digest`), the others are still listed.
 */
export function renderImageDigests(release: Release): { text: string; errors: string[] } {
  let text = '';
  const errors: string[] = [];
  for (const c of release.components) {
    const digest = c.digest || tryParsePullspec(c.pullSpec)?.digest;
    if (digest) text += `${digest}\n`;
    else errors.push(`${c.name} does not point to a digest`);
  }
  return { text, errors };
}

/** `--image-for NAME`: the component's pullspec; oc's error when the payload has no such tag. */
export function imageFor(release: Release, name: string, image: string): string {
  const component = release.components.find((c) => c.name === name);
  if (component?.pullSpec) return component.pullSpec;
  throw new OkdError('not-found', `no image tag "${name}" exists in the release image ${image}`, `\`okd-dev release info ${image} -o name\` lists the tags it has`);
}

/** The `--verify` summary line: digest, created (RFC 3339, UTC) and name of a release that verified. */
export function renderVerifyLine(release: Release): string {
  return `${releaseDigest(release)} ${formatCreated(release.created)} ${release.version}\n`;
}

import { OkdError } from '../errors';
import { isObject } from './imageReferences';
import { ReleaseMetadata } from './model';

export const METADATA_KIND = 'cincinnati-metadata-v0';

/** Parses `release-manifests/release-metadata` (JSON, cincinnati-metadata-v0). */
export function parseReleaseMetadata(text: string, source = 'release-metadata'): ReleaseMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OkdError('not-a-payload', `${source} is not JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (!isObject(doc)) throw new OkdError('not-a-payload', `${source} is not a JSON object`);
  if (doc['kind'] !== METADATA_KIND) {
    throw new OkdError(
      'not-a-payload',
      `${source} has kind ${JSON.stringify(doc['kind'] ?? null)}, expected ${METADATA_KIND}`,
      'this payload was built by a tool this version does not understand',
    );
  }
  return {
    kind: METADATA_KIND,
    version: typeof doc['version'] === 'string' ? doc['version'] : '',
    previous: stringList(doc['previous']),
    next: stringList(doc['next']),
    metadata: isObject(doc['metadata']) ? { ...doc['metadata'] } : {},
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The architecture the metadata declares (`multi` for multi-arch payloads), if any. */
export function metadataArchitecture(metadata: ReleaseMetadata | undefined): string | undefined {
  const value = metadata?.metadata['release.openshift.io/architecture'];
  return typeof value === 'string' && value ? value : undefined;
}

/** Upgrade channels listed in the metadata (`io.openshift.upgrades.graph.release.channels`), in file order. */
export function metadataChannels(metadata: ReleaseMetadata | undefined): string[] {
  const value = metadata?.metadata['io.openshift.upgrades.graph.release.channels'];
  return typeof value === 'string' && value ? value.split(',').map((c) => c.trim()).filter(Boolean) : [];
}

import type { Release } from '../../../core/release/model';
import { releaseDigest } from '../../../core/release/diff';
import { formatCreated, formatPlatform, pullFrom, sortSemanticVersions } from '../../../core/release/render';

export interface MetadataRow {
  key: string;
  label: string;
  value: string;
  url?: string;
}

/** The Metadata group of a release: what `oc adm release info` prints above the images. */
export function metadataRows(release: Release): MetadataRow[] {
  const rows: MetadataRow[] = [{ key: 'version', label: 'Version', value: release.version }];
  if (release.name && release.name !== release.version) rows.push({ key: 'name', label: 'Name', value: release.name });
  rows.push(
    { key: 'created', label: 'Created', value: formatCreated(release.created) },
    { key: 'digest', label: 'Digest', value: releaseDigest(release) },
    { key: 'pullFrom', label: 'Pull From', value: pullFrom(release) },
    { key: 'platform', label: 'OS/Arch', value: formatPlatform(release) },
  );
  const m = release.metadata;
  if (m) {
    rows.push({ key: 'previous', label: 'Upgrades from', value: m.previous.length > 0 ? sortSemanticVersions(m.previous).join(', ') : '<none>' });
    const channels = m.metadata['io.openshift.upgrades.graph.release.channels'];
    if (typeof channels === 'string' && channels) rows.push({ key: 'channels', label: 'Channels', value: channels });
    const url = m.metadata.url;
    if (typeof url === 'string' && url) rows.push({ key: 'url', label: 'URL', value: url, ...(/^https?:\/\//.test(url) ? { url } : {}) });
  }
  for (const [name, v] of Object.entries(release.componentVersions).sort(([a], [b]) => a.localeCompare(b))) {
    rows.push({ key: `version:${name}`, label: v.displayName || name, value: v.version });
  }
  rows.push(
    { key: 'images', label: 'Images', value: String(release.components.length) },
    { key: 'manifests', label: 'Manifests', value: String(release.manifests.length) },
  );
  return rows;
}

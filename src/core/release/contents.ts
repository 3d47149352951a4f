/** The raw metadata files `oc adm release info --contents` prints first. */
const METADATA_FILES = ['image-references', 'release-metadata'];

/** oc counts a file of release-manifests/ as a manifest by its extension (Go's path.Ext). */
export function isManifestFile(name: string): boolean {
  return /\.(ya?ml|json)$/.test(name.slice(name.lastIndexOf('/') + 1));
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `oc adm release info --contents`: `image-references` and `release-metadata`, then every manifest in byte order
 * of its name, each after a `# NAME` line and ended by a newline when its text does not end with one. Other files
 * of release-manifests/ (metadata files) are left out, as oc leaves them out.
 */
export function renderReleaseContents(files: Readonly<Record<string, string>>): string {
  const names = Object.keys(files);
  const ordered = [...names.filter((n) => METADATA_FILES.includes(n)).sort(byteOrder), ...names.filter((n) => !METADATA_FILES.includes(n) && isManifestFile(n)).sort(byteOrder)];
  let out = '';
  for (const name of ordered) {
    const content = files[name] as string;
    out += `# ${name}\n${content}`;
    if (content.length > 0 && !content.endsWith('\n')) out += '\n';
  }
  return out;
}

/**
 * What oc prints for `--contents` with two releases: it compares no contents and says how to. okd-dev does not
 * extract manifests, so the commands are oc's; `okd-dev release diff` names the manifests that differ.
 */
export function renderContentsDiffHint(from: string, to: string): string {
  return `To see the differences between these releases, run:

  oc adm release extract ${from} --to=/tmp/old
  oc adm release extract ${to} --to=/tmp/new
  diff /tmp/old /tmp/new

or \`okd-dev release diff ${from} ${to}\` for the names of the manifests that differ.
`;
}

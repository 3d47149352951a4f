import { tryParsePullspec } from '../pullspec';
import { type ReleaseDiff, releaseDigest } from '../release/diff';
import { githubRepoUrl } from '../release/imageReferences';
import type { Release } from '../release/model';
import { formatCreated, orderedVersionKeys } from '../release/render';
import type { Changelog, ComponentChangelog } from './changelog';
import type { ChangeCommit } from './mergeLog';

const FROM_RELEASE = 'release.openshift.io/from-release';

function pullUrl(range: ComponentChangelog, change: ChangeCommit): string | undefined {
  const repo = githubRepoUrl(range.repository);
  return repo && change.pullRequest !== undefined ? `${repo}/pull/${change.pullRequest}` : undefined;
}

function commitUrl(range: ComponentChangelog, commit: string): string | undefined {
  const repo = githubRepoUrl(range.repository);
  return repo ? `${repo}/commit/${commit}` : undefined;
}

function summary(range: ComponentChangelog): string {
  const prs = range.changes.filter((c) => c.pullRequest !== undefined).length;
  const commits = range.commitCount ?? 0;
  return `${prs} pull request${prs === 1 ? '' : 's'}, ${commits} commit${commits === 1 ? '' : 's'}`;
}

/** The changelog section that `release diff --changelog` prints after the diff. */
export function renderChangelogText(changelog: Changelog): string {
  if (changelog.components.length === 0) return '\nChangelog: no component changed its source commit\n';
  let out = '\nChangelog:\n';
  for (const range of changelog.components) {
    out += `\n  ${range.images.join(', ')}\n`;
    out += `    ${range.repository} ${range.fromCommit.slice(0, 8)}..${range.toCommit.slice(0, 8)}`;
    if (range.error) {
      out += `\n    error: ${range.error}\n`;
      continue;
    }
    out += `: ${summary(range)}\n`;
    for (const change of range.changes) {
      const refs = change.refs.length > 0 ? `${change.refs.map((r) => r.id).join(', ')}: ` : '';
      const id = change.pullRequest !== undefined ? `#${change.pullRequest}` : change.commit.slice(0, 8);
      out += `    ${id.padEnd(8)} ${refs}${change.title}\n`;
    }
    if (range.compareUrl) out += `    Full changelog: ${range.compareUrl}\n`;
  }
  return out;
}

/** oc's guard against HTML blocks in markdown from commit messages: entities and quotes stay. */
const unsafe = (text: string) => text.replace(/</g, '&lt;').replace(/>/g, '&gt;');

function shortImage(release: Release, name: string): string {
  const component = release.components.find((c) => c.name === name);
  if (!component) return name;
  const repo = githubRepoUrl(component.source);
  let label = name;
  if (repo && component.commit) label = `[${name}](${repo}) git [${component.commit.slice(0, 8)}](${repo}/commit/${component.commit})`;
  else if (repo) label = `[${name}](${repo})`;
  const ref = tryParsePullspec(component.pullSpec);
  if (ref?.digest) return `${label} \`${ref.digest}\``;
  if (ref?.tag) return `${label} \`:${ref.tag}\``;
  return label;
}

/** `oc adm release info --changelog` markdown: release header, component versions, image lists, then each range. */
export function renderChangelogMarkdown(from: Release, to: Release, diff: ReleaseDiff, changelog: Changelog): string {
  let out = `# ${to.version}\n\nCreated: ${formatCreated(to.created)}\n\nImage Digest: \`${releaseDigest(to)}\`\n\n`;
  const promoted = to.imageStreamAnnotations[FROM_RELEASE];
  if (promoted) out += `Promoted from ${promoted}\n\n`;
  out += `\n## Changes from ${from.version}\n\n`;
  const keys = orderedVersionKeys(Object.keys(to.componentVersions));
  if (keys.length > 0) {
    out += '### Components\n\n';
    for (const key of keys) {
      const version = to.componentVersions[key];
      const old = from.componentVersions[key];
      const name = version?.displayName || key;
      if (!old || old.version === version?.version) out += `* ${name} ${version?.version ?? ''}\n`;
      else out += `* ${name} upgraded from ${old.version} to ${version?.version ?? ''}\n`;
    }
    out += '\n\n';
  }
  const list = (title: string, items: string[]) => {
    if (items.length > 0) out += `### ${title}\n\n${items.map((i) => `* ${i}\n`).join('')}\n\n`;
  };
  list('New images', diff.added.map((c) => shortImage(to, c.name)));
  list('Removed images', diff.removed.map((c) => c.name));
  list('Rebuilt images without code change', diff.rebuilt.map((c) => shortImage(to, c.name)));
  for (const range of changelog.components) {
    const title = range.images.join(', ');
    out += range.treeUrl ? `### [${title}](${range.treeUrl})\n\n` : `### ${title}\n\n`;
    if (range.error) {
      out += `* Could not read the changes: ${unsafe(range.error)}\n\n\n`;
      continue;
    }
    for (const change of range.changes) {
      const refs = change.refs.map((r, i) => (i === 0 && r.source === 'bugzilla' ? `[Bug ${r.id}](${r.url})` : `[${r.id}](${r.url})`)).join(', ');
      out += `*${refs ? ` ${refs}:` : ''} ${unsafe(change.title)}`;
      const pr = pullUrl(range, change);
      const commit = commitUrl(range, change.commit);
      if (change.pullRequest !== undefined) out += pr ? ` [#${change.pullRequest}](${pr})` : ` #${change.pullRequest}`;
      else out += commit ? ` [${change.commit.slice(0, 8)}](${commit})` : ` ${change.commit.slice(0, 8)}`;
      out += '\n';
    }
    out += range.compareUrl ? `* [Full changelog](${range.compareUrl})\n\n` : `* ${range.repository} from ${range.fromCommit.slice(0, 8)} to ${range.toCommit.slice(0, 8)}\n\n`;
    out += '\n';
  }
  return out;
}

/** `oc adm release info --changelog -o json`'s shape, with what okd-dev adds per range (repository, commits, error). */
export function changelogJson(from: Release, to: Release, diff: ReleaseDiff, changelog: Changelog): unknown {
  const side = (release: Release) => ({
    name: release.version,
    created: release.created,
    digest: releaseDigest(release),
    ...(release.imageStreamAnnotations[FROM_RELEASE] ? { promotedFrom: release.imageStreamAnnotations[FROM_RELEASE] } : {}),
  });
  const image = (release: Release, name: string) => {
    const c = release.components.find((x) => x.name === name);
    const repo = c ? githubRepoUrl(c.source) : undefined;
    return {
      name,
      path: repo ?? c?.source ?? '',
      ...(c?.commit ? { shortCommit: c.commit.slice(0, 8), commit: c.commit } : {}),
      ...(c?.digest ? { imageRef: c.digest } : {}),
    };
  };
  return {
    from: side(from),
    to: side(to),
    components: orderedVersionKeys(Object.keys(to.componentVersions)).map((key) => {
      const version = to.componentVersions[key];
      const old = from.componentVersions[key];
      return { name: version?.displayName || key, version: version?.version ?? '', ...(old && old.version !== version?.version ? { from: old.version } : {}) };
    }),
    newImages: diff.added.map((c) => image(to, c.name)),
    removedImages: diff.removed.map((c) => ({ name: c.name })),
    rebuiltImages: diff.rebuilt.map((c) => image(to, c.name)),
    updatedImages: changelog.components.map((range) => ({
      name: range.images.join(', '),
      path: range.treeUrl ?? range.repository,
      repository: range.repository,
      fromCommit: range.fromCommit,
      toCommit: range.toCommit,
      ...(range.mode ? { mode: range.mode } : {}),
      ...(range.commitCount !== undefined ? { commitCount: range.commitCount } : {}),
      commits: range.changes.map((change) => {
        const bugs = Object.fromEntries(change.refs.filter((r) => r.source === 'bugzilla').map((r) => [r.id, r.url]));
        const issues = Object.fromEntries(change.refs.filter((r) => r.source === 'jira').map((r) => [r.id, r.url]));
        const pr = pullUrl(range, change);
        const commit = commitUrl(range, change.commit);
        return {
          ...(Object.keys(bugs).length > 0 ? { bugs } : {}),
          ...(Object.keys(issues).length > 0 ? { issues } : {}),
          subject: change.title,
          ...(change.pullRequest !== undefined ? { pullID: change.pullRequest } : {}),
          ...(pr ? { pullURL: pr } : {}),
          commit: change.commit,
          ...(change.pullRequest === undefined ? { commitID: change.commit.slice(0, 8) } : {}),
          ...(change.pullRequest === undefined && commit ? { commitURL: commit } : {}),
          commitDate: change.date,
        };
      }),
      ...(range.compareUrl ? { fullChangeLog: range.compareUrl } : {}),
      ...(range.error ? { error: range.error } : {}),
    })),
  };
}

import { digestPullspec, formatPullspec, type Pullspec } from '../pullspec';
import type { ComponentHit } from '../release/library';
import type { ReleaseSummary } from '../release/summary';
import type { LookupResult } from './lookup';

/** Commands the hover links to; the only ones its trusted markdown may run. */
export const HOVER_COMMANDS = {
  /** Registered by the Release Explorer: copies its string argument, a digest pullspec, as it is. */
  copyDigestPullspec: 'okd.copyDigestPullspec',
  /** Registered by the Release Explorer: args `{release: pullSpec, component?: name}`. */
  revealInExplorer: 'okd.revealInExplorer',
} as const;

export interface RevealArgs {
  release: string;
  component?: string;
}

/** How the digest of a tag-only pullspec was (or was not) found. */
export type TagResolution =
  | { state: 'resolved'; digest: string }
  | { state: 'off' }
  | { state: 'pending' }
  | { state: 'failed'; reason: string };

export interface HoverInput {
  pullspec: Pullspec;
  /** The pullspec as written in the document. */
  text: string;
  /** Set when the pullspec has no digest of its own. */
  tag?: TagResolution;
  found: LookupResult;
  /** The payload cache is still being read: more releases may be known on the next hover. */
  scanning?: boolean;
}

/** How many other releases are named before "and N more". */
const MAX_ALSO_IN = 4;

/** The digest a hover is about: the pullspec's own, else the one its tag resolved to. */
export function effectiveDigest(input: Pick<HoverInput, 'pullspec' | 'tag'>): string | undefined {
  return input.pullspec.digest ?? (input.tag?.state === 'resolved' ? input.tag.digest : undefined);
}

/** The hover's markdown (trusted for HOVER_COMMANDS only); pure, so it is tested and benchmarked without VS Code. */
export function hoverMarkdown(input: HoverInput): string {
  const { pullspec, found } = input;
  const digest = effectiveDigest(input);
  const blocks: string[] = [];

  if (input.tag) blocks.push(tagLine(pullspec, input.tag));
  for (const release of found.payloads) blocks.push(payloadBlock(release, digest));
  if (found.components.length > 0) blocks.push(componentBlock(found.components, digest));

  if (found.payloads.length === 0 && found.components.length === 0) {
    const searched = `searched ${found.searched} loaded release${found.searched === 1 ? '' : 's'}`;
    if (digest) blocks.push(`\`${escapeCode(formatPullspec(pullspec))}\`: not in any loaded release (${searched})  \nDigest \`${digest}\``);
    else blocks.push(`\`${escapeCode(formatPullspec(pullspec))}\`: no digest known, so no release can be matched (${searched})`);
  }
  if (input.scanning) blocks.push('_Still reading the payload cache: hover again to include cached releases._');

  const links: string[] = [];
  if (digest) links.push(commandLink('Copy digest pullspec', HOVER_COMMANDS.copyDigestPullspec, [digestPullspec(pullspec, digest)]));
  const reveal = revealTarget(found);
  if (reveal) links.push(commandLink('Reveal in Release Explorer', HOVER_COMMANDS.revealInExplorer, [reveal]));
  if (links.length > 0) blocks.push(links.join(' · '));
  return blocks.join('\n\n');
}

/** What "Reveal in Release Explorer" opens: the payload itself, else the newest release holding the component. */
export function revealTarget(found: LookupResult): RevealArgs | undefined {
  const payload = found.payloads[0];
  if (payload) return { release: payload.pullSpec };
  const hit = found.components[0];
  return hit ? { release: hit.release.pullSpec, component: hit.component.name } : undefined;
}

export function commandUri(command: string, args: unknown[]): string {
  // Parentheses too: an unbalanced ')' from a payload's names would end the Markdown link early.
  return `command:${command}?${encodeURIComponent(JSON.stringify(args)).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))}`;
}

function commandLink(title: string, command: string, args: unknown[]): string {
  return `[${title}](${commandUri(command, args)} "${title}")`;
}

function tagLine(pullspec: Pullspec, tag: TagResolution): string {
  const name = `\`${escapeCode(pullspec.tag ?? 'latest')}\``;
  switch (tag.state) {
    case 'resolved':
      return `Tag ${name} points to \`${tag.digest}\``;
    case 'off':
      return `Tag ${name} is not resolved: hovers may not ask the registry (\`okd.hover.resolveTags\` is off)`;
    case 'pending':
      return `Asking ${escapeMarkdown(pullspec.registry)} which digest tag ${name} points to; hover again in a moment`;
    case 'failed':
      return `Could not resolve tag ${name}: ${escapeMarkdown(tag.reason)}`;
  }
}

function payloadBlock(release: ReleaseSummary, digest: string | undefined): string {
  const lines = [`**Release payload ${escapeMarkdown(release.version)}**${release.name && release.name !== release.version ? ` (${escapeMarkdown(release.name)})` : ''}`];
  lines.push(`${release.components.length} components · ${release.operatorCount} operators · ${release.manifestCount} manifests`);
  const kind = digest && release.listDigest === digest && release.listDigest !== release.digest ? ' (manifest list)' : '';
  lines.push(`Digest \`${digest ?? release.digest}\`${kind}`);
  lines.push(`Created ${escapeMarkdown(formatCreated(release.created))} · ${escapeMarkdown(architecture(release))}`);
  return lines.join('  \n');
}

function componentBlock(hits: ComponentHit[], digest: string | undefined): string {
  const [first, ...rest] = hits as [ComponentHit, ...ComponentHit[]];
  const { release, component } = first;
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
  const lines = [`**${escapeMarkdown(component.name)}** in ${escapeMarkdown(release.version)}${more}`];
  if (component.commit) {
    const short = `\`${escapeCode(component.commit.slice(0, 12))}\``;
    const url = safeUrl(component.commitUrl);
    const ref = component.ref ? ` (${escapeMarkdown(component.ref)})` : '';
    lines.push(`Commit ${url ? `[${short}](${url})` : short}${ref}`);
  } else {
    lines.push('No commit recorded for this image');
  }
  if (component.source) {
    const url = safeUrl(component.source);
    lines.push(`Source ${url ? `[${escapeMarkdown(shortSource(url))}](${url})` : escapeMarkdown(component.source)}`);
  }
  if (digest) lines.push(`Digest \`${digest}\``);
  lines.push(`Release created ${escapeMarkdown(formatCreated(release.created))} · ${escapeMarkdown(architecture(release))}`);
  if (component.override) lines.push('_Replaced in this release (`io.openshift.release.override`)_');
  if (rest.length > 0) {
    const named = rest.slice(0, MAX_ALSO_IN).map((hit) => {
      const as = hit.component.name === component.name ? '' : ` as **${escapeMarkdown(hit.component.name)}**`;
      return `${escapeMarkdown(hit.release.version)}${as}`;
    });
    const beyond = rest.length > MAX_ALSO_IN ? `, and ${rest.length - MAX_ALSO_IN} more` : '';
    lines.push(`Also in ${named.join(', ')}${beyond}`);
  }
  return lines.join('  \n');
}

function architecture(release: ReleaseSummary): string {
  if (release.architecture === 'multi' && release.platforms?.length) return `multi (${release.platforms.join(', ')})`;
  return release.os && release.architecture ? `${release.os}/${release.architecture}` : release.architecture || 'unknown architecture';
}

/** `2021-11-14T18:51:28.123456Z` -> `2021-11-14 18:51:28 UTC`; anything else as it is. */
export function formatCreated(created: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(created);
  return m ? `${m[1]} ${m[2]} UTC` : created || 'unknown';
}

/** Only http(s) links from payload annotations: a payload must not smuggle `command:` links into a trusted hover. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s()<>]+$/.test(url)) return undefined;
  return url;
}

function shortSource(url: string): string {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? (m[1] as string) : url;
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, '\\$&');
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'");
}

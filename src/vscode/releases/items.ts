import vscode = require('vscode');
import { parsePullspec } from '../../core/pullspec';
import { releaseDigest } from '../../core/release/diff';
import { commitUrl } from '../../core/release/imageReferences';
import type { ReleaseLibrary } from '../../core/release/library';
import type { Component, Release } from '../../core/release/model';
import { formatCreated, formatPlatform } from '../../core/release/render';
import { manifestUri } from './documents';
import type { ReleaseTreeNode } from './nodes';
import { operatorComponent, operatorRowContext } from './operatorRows';
import { renderResultsNode } from './results/items';

const groupTitles = { operators: 'Operators', images: 'Images', manifests: 'Manifests', metadata: 'Metadata' } as const;
const groupIcons = { operators: 'gear', images: 'file-media', manifests: 'files', metadata: 'info' } as const;

/** How each node looks: label, description, tooltip, icon, and the contextValue the package.json menus match. */
export function renderNode(node: ReleaseTreeNode, library: ReleaseLibrary): vscode.TreeItem {
  const { Collapsed, Expanded, None } = vscode.TreeItemCollapsibleState;
  let item: vscode.TreeItem;
  switch (node.kind) {
    case 'controller': {
      item = new vscode.TreeItem(hostOf(node.url), Expanded);
      item.description = 'release controller';
      item.tooltip = md(`**Release controller** ${link(node.url)}\n\nStreams: ${node.streams.length > 0 ? node.streams.map(code).join(', ') : 'all accepted streams'}`);
      item.iconPath = new vscode.ThemeIcon('server-environment');
      item.contextValue = 'okd.controller';
      break;
    }
    case 'stream':
      item = new vscode.TreeItem(node.stream, Collapsed);
      item.tooltip = md(`**Release stream** ${code(node.stream)}\n\n${link(`${node.url.replace(/\/+$/, '')}/#${encodeURIComponent(node.stream)}`)}`);
      item.iconPath = new vscode.ThemeIcon('list-ordered');
      item.contextValue = 'okd.stream';
      break;
    case 'repository':
      item = new vscode.TreeItem(node.repository, Collapsed);
      item.description = 'repository';
      item.tooltip = md(`**Release repository** ${code(node.repository)}\n\nIts tags, newest first.`);
      item.iconPath = new vscode.ThemeIcon('repo');
      item.contextValue = 'okd.repository';
      break;
    case 'pinned':
      item = new vscode.TreeItem('Pinned', Expanded);
      item.tooltip = 'Releases added with "Add Release by Pullspec" (setting okd.pinnedReleases)';
      item.iconPath = new vscode.ThemeIcon('pinned');
      item.contextValue = 'okd.pinned';
      break;
    case 'release': {
      const release = library.get(node.pullSpec);
      item = new vscode.TreeItem(node.label, Collapsed);
      const parts: string[] = [];
      if (node.phase) parts.push(node.phase);
      if (release && release.version !== node.label) parts.push(release.version);
      if (node.pinned) parts.push(repositoryOf(node.pullSpec));
      if (release?.offline) parts.push('offline');
      item.description = parts.join(' · ');
      // The tooltip is filled in by resolveTreeItem, when the mouse rests on the row: by then it may be read.
      item.iconPath = phaseIcon(node.phase);
      item.contextValue = node.pinned ? 'okd.release.pinned' : 'okd.release';
      break;
    }
    case 'group': {
      const { release } = node;
      item = new vscode.TreeItem(groupTitles[node.group], node.group === 'operators' ? Expanded : Collapsed);
      const count = { operators: release.operators.length, images: release.components.length, manifests: release.manifests.length, metadata: undefined }[node.group];
      if (count !== undefined) item.description = String(count);
      item.iconPath = new vscode.ThemeIcon(groupIcons[node.group]);
      item.contextValue = `okd.group.${node.group}`;
      break;
    }
    case 'operator': {
      const op = node.operator;
      item = new vscode.TreeItem(op.name, op.deployments.length > 0 || op.manifests.length > 0 ? Collapsed : None);
      item.description = op.namespaces.join(', ');
      item.tooltip = md(
        [
          `**${op.name}** (run level ${op.runlevels.join(', ') || '?'})`,
          row('Namespaces', op.namespaces.map(code).join(', ')),
          row('Deployments', op.deployments.map((d) => code(`${d.namespace}/${d.name}`)).join(', ')),
          row('ClusterOperators', op.clusterOperators.map(code).join(', ')),
          row('Images', op.images.map(code).join(', ')),
          row('Manifests', String(op.manifests.length)),
        ]
          .filter(Boolean)
          .join('\n\n'),
      );
      item.iconPath = new vscode.ThemeIcon('settings-gear');
      // With the component: `viewItem in okd.workspace.operatorRows` offers Build, Push & Patch on this row only.
      item.contextValue = operatorRowContext(operatorComponent(node.release, op)?.name);
      break;
    }
    case 'operatorManifests':
      item = new vscode.TreeItem('Manifests', Collapsed);
      item.description = String(node.operator.manifests.length);
      item.iconPath = new vscode.ThemeIcon('files');
      item.contextValue = 'okd.group.manifests';
      break;
    case 'workload': {
      const w = node.workload;
      item = new vscode.TreeItem(`${w.namespace}/${w.name}`, w.containers.length > 0 ? Expanded : None);
      item.description = w.kind;
      item.tooltip = md(`**${w.kind}** ${code(`${w.namespace}/${w.name}`)}\n\nFrom ${code(w.file)}`);
      item.iconPath = new vscode.ThemeIcon('server-process');
      item.contextValue = 'okd.workload';
      break;
    }
    case 'container': {
      const c = node.container;
      const component = c.component ? node.release.components.find((x) => x.name === c.component) : undefined;
      item = new vscode.TreeItem(c.init ? `${c.name} (init)` : c.name, None);
      item.description = c.component ?? c.image;
      const lines = [`**container** ${code(c.name)} of ${code(`${node.workload.namespace}/${node.workload.name}`)}`, row('Image', code(c.image))];
      if (component) lines.push(...componentRows(component));
      for (const ref of c.references) lines.push(row(ref.field, `${code(ref.value)}${ref.component ? ` (${ref.component})` : ''}`));
      item.tooltip = md(lines.filter(Boolean).join('\n\n'));
      item.iconPath = new vscode.ThemeIcon('vm');
      item.contextValue = 'okd.image.container';
      break;
    }
    case 'image': {
      const c = node.component;
      item = new vscode.TreeItem(c.name, None);
      item.description = c.commit ? c.commit.slice(0, 7) : '';
      item.tooltip = md([`**${c.name}**${c.override ? ' (override)' : ''}`, row('Pullspec', code(c.pullSpec)), ...componentRows(c)].filter(Boolean).join('\n\n'));
      item.iconPath = new vscode.ThemeIcon(c.override ? 'debug-breakpoint-log' : 'package');
      item.contextValue = 'okd.image';
      break;
    }
    case 'manifest': {
      const m = node.manifest;
      item = new vscode.TreeItem(m.file, None);
      item.description = m.operator ?? formatBytes(m.size);
      item.tooltip = md(
        [`**${m.file}**`, row('Operator', m.operator ? code(m.operator) : ''), row('Run level', m.runlevel ?? ''), row('Size', formatBytes(m.size)), row('sha256', code(m.sha256)), m.parseError ? `$(warning) ${m.parseError}` : '']
          .filter(Boolean)
          .join('\n\n'),
      );
      // ThemeIcon.File with the resource: the file icon theme's YAML/JSON icon.
      item.resourceUri = manifestUri(node.release.pullSpec, node.release.version, m.file);
      item.iconPath = m.parseError ? new vscode.ThemeIcon('warning') : vscode.ThemeIcon.File;
      item.command = { command: 'okd.openManifest', title: 'Open Manifest', arguments: [node] };
      item.contextValue = 'okd.manifest';
      break;
    }
    case 'metadata':
      item = new vscode.TreeItem(node.label, None);
      item.description = node.value;
      item.tooltip = `${node.label}: ${node.value}`;
      item.iconPath = new vscode.ThemeIcon(node.url ? 'link-external' : 'symbol-property');
      if (node.url) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.url)] };
      item.contextValue = 'okd.metadata';
      break;
    case 'error':
      item = new vscode.TreeItem(node.message, None);
      item.tooltip = md(`$(error) ${escape(node.message)}\n\nUse **Retry** to read it again.`);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      item.contextValue = 'okd.error';
      break;
    case 'loadMore':
      item = new vscode.TreeItem('Load more...', None);
      item.description = `${node.remaining} more`;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: 'okd.loadMore', title: 'Load More', arguments: [node] };
      item.contextValue = 'okd.loadMore';
      break;
    case 'message':
      item = new vscode.TreeItem(node.message, None);
      if (node.warning) {
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        item.tooltip = md(`$(warning) ${escape(node.warning)}\n\nUse **Retry** to read it again.`);
      } else {
        item.iconPath = new vscode.ThemeIcon('info');
      }
      if (node.command) item.command = { command: node.command, title: node.message };
      item.contextValue = node.warning ? 'okd.warning' : 'okd.message';
      break;
    case 'results':
    case 'resultsGroup':
    case 'resultRow':
      item = renderResultsNode(node);
      break;
  }
  item.id = node.id;
  return item;
}

export function releaseTooltip(pullSpec: string, release: Release | undefined, phase?: string, downloadURL?: string): vscode.MarkdownString {
  const lines = [`**${release?.version ?? pullSpec}**${phase ? ` (${phase})` : ''}`, code(pullSpec)];
  if (release) {
    lines.push(
      row('Digest', code(releaseDigest(release))),
      row('Created', formatCreated(release.created)),
      row('OS/Arch', formatPlatform(release)),
      row('Contents', `${release.operators.length} operators, ${release.components.length} images, ${release.manifests.length} manifests`),
    );
    const channels = release.metadata?.metadata['io.openshift.upgrades.graph.release.channels'];
    if (typeof channels === 'string' && channels) lines.push(row('Channels', channels));
  } else {
    lines.push('_Expand to read the payload._');
  }
  if (downloadURL) lines.push(row('Artifacts', link(downloadURL)));
  return md(lines.filter(Boolean).join('\n\n'));
}

function componentRows(c: Component): string[] {
  const url = c.commitUrl ?? commitUrl(c.source, c.commit);
  return [
    row('Digest', c.digest ? code(c.digest) : ''),
    row('Commit', c.commit ? (url ? `[${c.commit}](${url})` : code(c.commit)) : ''),
    row('Ref', c.ref ? code(c.ref) : ''),
    row('Source', c.source ? link(c.source) : ''),
    row(
      'Versions',
      Object.entries(c.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ),
  ];
}

function phaseIcon(phase: string | undefined): vscode.ThemeIcon {
  switch (phase) {
    case 'Accepted':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'Rejected':
    case 'Failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'Ready':
      return new vscode.ThemeIcon('circle-large-outline');
    case 'Pending':
      return new vscode.ThemeIcon('clock');
    default:
      return new vscode.ThemeIcon('package');
  }
}

function md(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text, true);
  m.isTrusted = false;
  return m;
}

function row(label: string, value: string): string {
  return value ? `${label}: ${value}` : '';
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function link(url: string): string {
  return /^https?:\/\//.test(url) ? `[${escape(url)}](${url})` : code(url);
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

function repositoryOf(pullSpec: string): string {
  try {
    const p = parsePullspec(pullSpec);
    return `${p.registry}/${p.repository}`;
  } catch {
    return '';
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

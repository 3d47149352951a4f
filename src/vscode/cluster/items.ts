import vscode = require('vscode');
import { formatOverride, isWorkloadOverride } from '../../core/cluster/overrides';
import { describeEdit } from '../../core/cluster/operand';
import type { OperatorConditions } from '../../core/cluster/status';
import { describeEditChange, type RolloutSummary } from '../../core/cluster/statusOperands';
import type { ClusterNode } from './nodes';

const groupTitles = { history: 'History', overrides: 'Overrides', patched: 'Patched Operators', clusterOperators: 'Cluster Operators' } as const;
const groupIcons = { history: 'history', overrides: 'warning', patched: 'rocket', clusterOperators: 'server-process' } as const;

function icon(id: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** `registry/repo@sha256:0123456789ab` instead of the whole digest, for descriptions. */
export function shortImage(image: string): string {
  const at = image.indexOf('@sha256:');
  return at < 0 ? image : `${image.slice(0, at)}@${image.slice(at + 8, at + 20)}`;
}

/** Available/Progressing/Degraded as one icon: red when degraded or unavailable, yellow while progressing. */
export function operatorIcon(co: OperatorConditions): vscode.ThemeIcon {
  if (co.degraded === 'True') return icon('error', 'testing.iconFailed');
  if (co.available !== 'True') return icon('circle-slash', 'testing.iconFailed');
  if (co.progressing === 'True') return icon('sync', 'testing.iconQueued');
  return icon('pass', 'testing.iconPassed');
}

/** A rollout as an icon: green when complete, red when failed, spinning while progressing. */
function rolloutIcon(r: RolloutSummary, done = 'rocket'): vscode.ThemeIcon {
  return r.state === 'complete' ? icon(done, 'testing.iconPassed') : r.state === 'failed' ? icon('error', 'testing.iconFailed') : icon('sync~spin', 'testing.iconQueued');
}

/** `complete`, `progressing: 0 of 1 updated replicas`, `failed: rollout of ... failed: ImagePullBackOff`. */
function rolloutText(r: RolloutSummary): string {
  return r.state === 'complete' ? 'complete' : `${r.state}${r.message ? `: ${r.message}` : ''}`;
}

function flags(co: OperatorConditions): string {
  const out: string[] = [];
  out.push(co.available === 'True' ? 'Available' : `Available=${co.available}`);
  if (co.progressing === 'True') out.push('Progressing');
  if (co.degraded === 'True') out.push('Degraded');
  return out.join(' · ');
}

function md(text: string): vscode.MarkdownString {
  return new vscode.MarkdownString(text);
}

/** How each node looks: label, description, tooltip, icon, and the contextValue package.json menus match. */
export function renderClusterNode(node: ClusterNode): vscode.TreeItem {
  const { Collapsed, Expanded, None } = vscode.TreeItemCollapsibleState;
  let item: vscode.TreeItem;
  switch (node.kind) {
    case 'error':
      item = new vscode.TreeItem(node.message, None);
      item.tooltip = `${node.message}\n\nClick to retry.`;
      item.iconPath = icon('error', 'errorForeground');
      item.contextValue = 'okd.cluster.error';
      item.command = { command: 'okd.cluster.refresh', title: 'Retry' };
      break;
    case 'unreadable': {
      const u = node.unreadable;
      item = new vscode.TreeItem(`${node.title}: ${u.message}`, None);
      item.tooltip = md(`**${node.title}** cannot be shown: ${u.message}.\n\n${u.detail}\n\nAsk for read access, or switch to a context that has it; Refresh reads it again.`);
      item.iconPath = icon('lock', 'list.warningForeground');
      item.contextValue = 'okd.cluster.unreadable';
      break;
    }
    case 'context':
      item = new vscode.TreeItem(node.context, None);
      item.description = node.reconnecting ? `reconnecting · ${node.server}` : node.server;
      item.tooltip = md(
        [`**Context** \`${node.context}\``, `Server: ${node.server}`, `User: \`${node.user}\``, ...(node.reconnecting ? [`Reconnecting: ${node.reconnecting}. The rows below are what was last seen.`] : [])].join('\n\n'),
      );
      item.iconPath = node.reconnecting ? icon('sync~spin', 'list.warningForeground') : icon('server-environment');
      item.contextValue = 'okd.cluster.context';
      break;
    case 'release': {
      item = new vscode.TreeItem(node.version ?? 'unknown release', None);
      item.description = node.image ? shortImage(node.image) : 'no status.desired.image';
      const conditions = node.conditions.map((c) => `- ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message && c.status !== 'True' ? `: ${c.message}` : ''}`);
      item.tooltip = md([`**Release** ${node.version ?? ''}`, node.image ? `\`${node.image}\`` : '', ...conditions, '', 'Click to open it in the Release Explorer.'].join('\n\n'));
      item.iconPath = icon('package');
      item.contextValue = 'okd.cluster.release';
      if (node.image) item.command = { command: 'okd.cluster.openRelease', title: 'Open in Release Explorer', arguments: [{ image: node.image }] };
      break;
    }
    case 'group':
      item = new vscode.TreeItem(groupTitles[node.group], node.count === 0 ? None : node.group === 'history' || node.group === 'clusterOperators' ? Collapsed : Expanded);
      item.description = node.count === 0 ? 'none' : node.problems ? `${node.count}, ${node.problems} ${node.group === 'patched' ? 'failed' : 'not healthy'}` : String(node.count);
      if (node.unreadable) item.description = `${node.count === 0 ? '' : `${item.description}, `}partly not readable`;
      if (node.unreadable && node.count === 0) item.collapsibleState = Expanded;
      item.iconPath = node.group === 'overrides' && node.count > 0 ? icon('warning', 'list.warningForeground') : icon(groupIcons[node.group]);
      item.contextValue = `okd.cluster.group.${node.group}`;
      break;
    case 'history':
      item = new vscode.TreeItem(node.entry.version ?? shortImage(node.entry.image), None);
      item.description = [node.entry.state, node.entry.completionTime ?? node.entry.startedTime ?? ''].filter(Boolean).join(' · ');
      item.tooltip = md(`**${node.entry.version ?? ''}** ${node.entry.state}\n\n\`${node.entry.image}\``);
      item.iconPath = icon(node.entry.state === 'Completed' ? 'check' : 'loading');
      item.contextValue = 'okd.cluster.history';
      break;
    case 'override': {
      const o = node.override;
      // Restore is offered for ours and for any Deployment or DaemonSet override (the CVO puts the payload's back).
      const restorable = o.ours || isWorkloadOverride(o);
      item = new vscode.TreeItem(formatOverride(o), None);
      item.description = [o.unmanaged ? 'unmanaged' : 'managed', o.ours ? 'okd-dev' : ''].filter(Boolean).join(' · ');
      item.tooltip = md(`**ClusterVersion override**\n\n\`\`\`json\n${JSON.stringify({ kind: o.kind, group: o.group, namespace: o.namespace, name: o.name, unmanaged: o.unmanaged }, null, 2)}\n\`\`\`\n\n${o.ours ? 'Added by okd-dev.' : 'Not added by okd-dev.'}`);
      item.iconPath = icon('warning', 'list.warningForeground');
      item.contextValue = restorable ? 'okd.cluster.override' : 'okd.cluster.foreignOverride';
      break;
    }
    case 'patched': {
      const p = node.patched;
      item = new vscode.TreeItem(p.operator, Collapsed);
      const image = Object.values(p.images)[0];
      item.description = `${p.rollout.state}${image ? ` · ${shortImage(image)}` : ''}`;
      item.tooltip = md(
        [
          `**${p.operator}** ${p.kind} \`${p.namespace}/${p.name}\``,
          `Rollout: ${p.rollout.state}${p.rollout.message ? ` — ${p.rollout.message}` : ''}`,
          ...Object.entries(p.images).map(([c, img]) => `\`${c}\`: \`${img}\` (was \`${p.originalImages[c] ?? 'unknown'}\`)`),
          p.patchedAt ? `Patched at ${p.patchedAt}` : '',
        ].join('\n\n'),
      );
      item.iconPath = rolloutIcon(p.rollout);
      item.contextValue = 'okd.cluster.patched';
      break;
    }
    case 'operand': {
      const p = node.operand;
      item = new vscode.TreeItem(p.component, Collapsed);
      item.description = `${p.rollout.state} · operand · ${shortImage(p.image)}`;
      item.tooltip = md(
        [
          `**${p.component}** operand patch`,
          `\`${p.payloadImage}\` → \`${p.image}\``,
          `Rollout: ${rolloutText(p.rollout)}`,
          `Edited: ${p.objects.map((o) => `${o.kind} \`${o.namespace}/${o.name}\``).join(', ')}`,
          p.operands.length ? `Operand: ${p.operands.map((o) => `${o.kind} \`${o.namespace}/${o.name}\``).join(', ')}` : 'No workload of the operand in the cluster yet: its operator creates it when needed.',
          p.patchedAt ? `Patched at ${p.patchedAt}` : '',
        ].join('\n\n'),
      );
      item.iconPath = rolloutIcon(p.rollout);
      item.contextValue = 'okd.cluster.operandPatch';
      break;
    }
    case 'operandObject': {
      const o = node.object;
      item = new vscode.TreeItem(`${o.kind} ${o.namespace}/${o.name}`, Expanded);
      item.description = [o.rollout ? o.rollout.state : 'edited', o.override ? (o.override.ours ? 'override okd-dev' : 'override not okd-dev') : 'no override'].join(' · ');
      item.tooltip = md(
        [
          `**${o.kind}** \`${o.namespace}/${o.name}\`, edited by the operand patch of ${node.component}`,
          o.rollout ? `Rollout: ${rolloutText(o.rollout)}` : 'A ConfigMap: its operator sees the new text when it reads it again.',
          o.override ? `Override: ${formatOverride(o.override)} ${o.override.unmanaged ? 'unmanaged' : 'managed'}${o.override.ours ? ' (added by okd-dev)' : ' (not added by okd-dev: Restore leaves it)'}` : 'No override: the cluster-version operator may put the payload back.',
        ].join('\n\n'),
      );
      item.iconPath = o.rollout ? rolloutIcon(o.rollout, 'server-process') : icon('symbol-file');
      item.contextValue = 'okd.cluster.operandObject';
      break;
    }
    case 'edit': {
      const e = node.edit;
      item = new vscode.TreeItem(describeEdit(e), None);
      item.description = describeEditChange(e, node.payloadImage, node.image, shortImage).slice(describeEdit(e).length + 2);
      item.tooltip = md(`**${describeEdit(e)}**\n\nPayload:\n\n\`\`\`\n${e.from}\n\`\`\`\n\nNow:\n\n\`\`\`\n${e.to}\n\`\`\``);
      item.iconPath = icon('diff-modified');
      item.contextValue = `okd.cluster.edit.${e.field}`;
      break;
    }
    case 'operandRun': {
      const r = node.run;
      item = new vscode.TreeItem(`${r.kind} ${r.namespace}/${r.name}`, None);
      item.description = `operand · ${rolloutText(r.rollout)}`;
      item.tooltip = md(`**${r.kind}** \`${r.namespace}/${r.name}\` runs ${node.component} (containers ${r.containers.join(', ')}), created by its operator.\n\nRollout: ${rolloutText(r.rollout)}`);
      item.iconPath = rolloutIcon(r.rollout, 'pass');
      item.contextValue = 'okd.cluster.operandRun';
      break;
    }
    case 'container':
      item = new vscode.TreeItem(node.container, None);
      item.description = node.original ? `${shortImage(node.original)} -> ${shortImage(node.image)}` : shortImage(node.image);
      item.tooltip = md(`\`${node.image}\`${node.original ? `\n\nwas \`${node.original}\`` : ''}`);
      item.iconPath = icon('file-media');
      item.contextValue = 'okd.cluster.container';
      break;
    case 'clusterOperator': {
      const co = node.operator;
      item = new vscode.TreeItem(co.name, None);
      item.description = [flags(co), co.version].filter(Boolean).join(' · ');
      item.tooltip = md(`**${co.name}** ${co.version ?? ''}\n\nAvailable=${co.available} · Progressing=${co.progressing} · Degraded=${co.degraded}${co.message ? `\n\n${co.message}` : ''}`);
      item.iconPath = operatorIcon(co);
      item.contextValue = 'okd.cluster.clusterOperator';
      break;
    }
    case 'workspace': {
      const b = node.build;
      item = new vscode.TreeItem(`This workspace builds ${b.component}`, Expanded);
      const last = b.lastBuild;
      item.description = last ? `running ${shortImage(last.image).split('@').pop() ?? ''}` : b.root.split(/[\\/]/).pop();
      item.tooltip = md(
        [
          `**${b.root}**`,
          `${b.description.charAt(0).toUpperCase()}${b.description.slice(1)}.`,
          `Matched against release ${b.release.version}.`,
          b.dockerfiles.length ? `Dockerfiles: ${b.dockerfiles.map((d) => `\`${d}\``).join(', ')}` : 'No Dockerfile (the append builder needs none).',
        ].join('\n\n'),
      );
      item.iconPath = icon('repo');
      item.contextValue = 'okd.cluster.workspace';
      break;
    }
    case 'workspaceDetail': {
      item = new vscode.TreeItem(node.label, None);
      item.description = node.description;
      item.tooltip = md(node.tooltip);
      item.iconPath = icon({ runsAs: 'server-process', image: 'file-media', commit: 'git-commit', built: 'clock', noBuild: 'run-all' }[node.detail]);
      item.contextValue = `okd.cluster.workspace.${node.detail}`;
      if (node.detail === 'noBuild') item.command = { command: 'okd.devLoop', title: 'Build, Push & Patch', arguments: [{ path: node.path }] };
      break;
    }
  }
  item.id = `okd.cluster/${node.id}`;
  return item;
}

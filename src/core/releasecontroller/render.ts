import type { UpgradeAnswer } from './graph';
import { type ReleaseResults, upgradeState, type UpgradeEdgeResult, type VerificationJob } from './results';

/** `okd-dev release info TAG --results` as text and JSON. */

export interface ResultsReport {
  controller: string;
  stream: string;
  page: string;
  results: ReleaseResults;
}

function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function failedCount(jobs: VerificationJob[]): number {
  return jobs.filter((j) => j.state === 'Failed').length;
}

function jobSection(title: string, jobs: VerificationJob[]): string {
  if (jobs.length === 0) return `${title}: none\n`;
  const failed = failedCount(jobs);
  const head = `${title} (${jobs.length}${failed ? `, ${failed} failed` : ''}):`;
  return `${head}\n${table(jobs.map((j) => [j.state, j.name + (j.retries ? ` (retried ${j.retries}x)` : ''), j.url ?? '']))}\n`;
}

function upgradeSection(title: string, edges: UpgradeEdgeResult[], other: (e: UpgradeEdgeResult) => string): string {
  if (edges.length === 0) return `${title}: none recorded\n`;
  const rows = edges.map((e) => [upgradeState(e), other(e), `${e.success} passed, ${e.failure} failed of ${e.total}`, e.runs[e.runs.length - 1]?.url ?? '']);
  return `${title} (${edges.length}):\n${table(rows)}\n`;
}

export function renderResults(report: ResultsReport): string {
  const r = report.results;
  const blockingFailed = failedCount(r.blockingJobs);
  const lines = [
    `Name:        ${r.name}`,
    `Stream:      ${report.stream}`,
    `Phase:       ${r.phase || 'unknown'}${blockingFailed ? ` (${blockingFailed} blocking job${blockingFailed > 1 ? 's' : ''} failed)` : ''}`,
    `Controller:  ${report.controller}`,
    `Page:        ${report.page}`,
    '',
  ];
  return (
    lines.join('\n') +
    '\n' +
    [
      jobSection('Blocking jobs', r.blockingJobs),
      jobSection('Informing jobs', r.informingJobs),
      ...(r.pendingJobs.length ? [jobSection('Pending jobs', r.pendingJobs)] : []),
      upgradeSection(`Upgrades to ${r.name}`, r.upgradesTo, (e) => `from ${e.from}`),
      upgradeSection(`Upgrades from ${r.name}`, r.upgradesFrom, (e) => `to ${e.to}`),
    ].join('\n')
  );
}

export function resultsJson(report: ResultsReport): object {
  return { controller: report.controller, stream: report.stream, page: report.page, ...report.results };
}

/** `okd-dev release upgrades` as text. */
export function renderUpgradeAnswer(answer: UpgradeAnswer, source: { graph: string; fromWhere?: string }): string {
  const lines = [`Channel:  ${answer.channel} (${answer.size.nodes} versions, ${answer.size.edges} upgrade edges)`, `Graph:    ${source.graph}`, `From:     ${answer.from}${source.fromWhere ? ` (${source.fromWhere})` : ''}`, ''];
  if (!answer.inGraph) {
    lines.push(`${answer.from} is not in the graph of channel ${answer.channel}: the channel offers no upgrade from it.`);
    if (answer.to) lines.push(`No path to ${answer.to.version}.`);
    return `${lines.join('\n')}\n`;
  }
  if (answer.to) {
    if (!answer.to.inGraph) lines.push(`No: ${answer.to.version} is not in the graph of channel ${answer.channel}.`);
    else if (answer.to.path) lines.push(`Yes: ${answer.to.path.join(' -> ')}${answer.to.path.length > 2 ? ` (${answer.to.path.length - 1} upgrades)` : ''}`);
    else lines.push(`No: channel ${answer.channel} has no path from ${answer.from} to ${answer.to.version}.`);
    lines.push('');
  }
  if (answer.direct.length === 0) {
    lines.push(`No upgrades from ${answer.from} in channel ${answer.channel}.`);
  } else {
    lines.push(`Upgrades from ${answer.from} (${answer.direct.length}):`, table(answer.direct.map((t) => [t.version, t.payload])));
    if (answer.newest && answer.newest.path.length > 2) lines.push('', `Newest reachable: ${answer.newest.version} via ${answer.newest.path.join(' -> ')}`);
  }
  return `${lines.join('\n')}\n`;
}

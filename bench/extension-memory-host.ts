// Loaded by bench/extension-memory as `extensionTestsPath` in code-server's real extension host: hovers pullspecs of
// the cached releases through the real hover provider until each names its component, measures the hover round
// trip, collects garbage and reports the host's heap. Writes an ExtensionHostResults file whose output[0] is the
// measurement as JSON.
import fs from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import * as vscode from 'vscode';
import type { ExtensionHostResults } from '../test/e2e/exthost/index';
import { EXTENSION_ID } from '../test/e2e/exthost/sandbox';

export interface HostMemory {
  heapUsedBytes: number;
  /** How many releases the hover found its component in (the newest release's component is in all of them). */
  releasesFound: number;
  firstHoverFoundMs: number;
  hoverP50Ms: number;
  hoverP99Ms: number;
}

interface Needle {
  /** The text to point into. */
  text: string;
  /** What the hover must say once the cache is scanned. */
  expect: string;
}

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? []).map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n')).join('\n---\n');
}

async function hover(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  return hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position));
}

async function collectGarbage(): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => session.post('HeapProfiler.collectGarbage', (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    session.disconnect();
  }
}

async function measure(): Promise<HostMemory> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  await ext.activate();
  const file = process.env.OKD_BENCH_DOCUMENT as string;
  const needles = JSON.parse(process.env.OKD_BENCH_NEEDLES as string) as Needle[];
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(document);
  const positionOf = (needle: Needle) => document.positionAt(document.getText().indexOf(needle.text) + Math.floor(needle.text.length / 2));

  const started = performance.now();
  let firstHoverFoundMs = 0;
  let releasesFound = 0;
  for (const needle of needles) {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const text = await hover(document.uri, positionOf(needle));
      if (text.includes(needle.expect)) {
        firstHoverFoundMs ||= performance.now() - started;
        const more = /\(and (\d+) more\)/.exec(text);
        releasesFound = Math.max(releasesFound, 1 + Number(more?.[1] ?? 0));
        break;
      }
      if (Date.now() > deadline) throw new Error(`no hover saying ${needle.expect} within 300 s; last:\n${text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    for (const needle of needles) {
      const t = performance.now();
      await hover(document.uri, positionOf(needle));
      samples.push(performance.now() - t);
    }
  }
  samples.sort((a, b) => a - b);
  const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  await collectGarbage();
  return {
    heapUsedBytes: v8.getHeapStatistics().used_heap_size,
    releasesFound,
    firstHoverFoundMs: Math.round(firstHoverFoundMs),
    hoverP50Ms: +pick(0.5).toFixed(2),
    hoverP99Ms: +pick(0.99).toFixed(2),
  };
}

export async function run(): Promise<void> {
  const results: ExtensionHostResults = { passed: 0, failed: 0, pending: 0, durationMs: 0, failures: [], output: [] };
  const started = Date.now();
  try {
    results.output.push(JSON.stringify(await measure()));
    results.passed = 1;
  } catch (err) {
    results.failed = 1;
    results.failures.push({ title: 'bench/extension-memory', error: (err as Error).stack ?? String(err) });
  }
  results.durationMs = Date.now() - started;
  fs.writeFileSync(process.env.OKD_E2E_RESULTS_FILE as string, JSON.stringify(results));
  if (results.failed) throw new Error('bench/extension-memory failed in the extension host');
}

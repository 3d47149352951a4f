// Nothing a test starts outlives it. Every test process gets its own OKD_TEST_OWNER marker, which the servers it
// starts (registries, code-server and its children, Chromium, the test cluster) inherit, and a reaper: a detached
// process that, when the test process ends in any way (passed, failed, Ctrl+C, SIGKILL), stops every process
// carrying that marker. Helpers that start long-lived processes call watchOwnedProcesses() first.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/** This test process's marker; children inherit it through process.env. */
export const TEST_OWNER = randomUUID();
process.env.OKD_TEST_OWNER = TEST_OWNER;

let reaperStarted = false;

/** Starts this process's reaper once; call before starting a process that would outlive a crash. */
export function watchOwnedProcesses(): void {
  if (reaperStarted) return;
  reaperStarted = true;
  const env = { ...process.env };
  delete env.OKD_TEST_OWNER;
  delete env.NODE_OPTIONS; // a plain CommonJS script: no tsx loader
  const reaper = spawn(process.execPath, [path.join(__dirname, 'reaper.js'), TEST_OWNER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  reaper.unref();
  // Our end of the pipe stays open for this process's life and must not keep it alive.
  (reaper.stdin as unknown as { unref?: () => void }).unref?.();
}

/** The markers a child started with an environment of its own (not process.env) must carry. */
export function ownerEnv(): Record<string, string> {
  return {
    OKD_TEST_OWNER: TEST_OWNER,
    ...(process.env.OKD_TEST_RUN ? { OKD_TEST_RUN: process.env.OKD_TEST_RUN } : {}),
  };
}

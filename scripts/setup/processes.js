// Processes by a marker in their environment (Linux /proc): every process a test run starts inherits
// OKD_TEST_RUN (set by npm test) and OKD_TEST_OWNER (set per test file), so what is left after a run or a test file
// can be found and stopped even when its starter was killed before it could clean up.
'use strict';
const fs = require('node:fs');

/** Pids (other than this process) whose environment holds `name=value`, with their command lines. */
function processesWithEnv(name, value) {
  const entry = `${name}=${value}\0`;
  const needle = Buffer.from(`\0${entry}`);
  const first = Buffer.from(entry);
  const found = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found; // not Linux: nothing to scan
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`);
      if (!environ.includes(needle) && !environ.subarray(0, first.length).equals(first)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // a zombie is already dead, waiting for its parent to reap it
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      found.push({ pid, cmdline });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function signalAll(processes, signal) {
  for (const { pid } of processes) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs` for what is still there; resolves with what had to be killed. */
async function stopProcessesWithEnv(name, value, graceMs = 5000) {
  let left = processesWithEnv(name, value);
  const initial = left;
  if (left.length === 0) return initial;
  signalAll(left, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesWithEnv(name, value);
  }
  signalAll(left, 'SIGKILL');
  return initial;
}

module.exports = { processesWithEnv, stopProcessesWithEnv };

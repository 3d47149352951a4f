// A lock between processes for one install or one checkout: flock(1) on a lock file, held by a small child
// (`cat`) whose stdin is ours. When this process ends in any way (exit, crash, Ctrl+C, SIGKILL), the pipe closes,
// the holder exits and the kernel releases the lock: a lock can never be left behind by a dead installer.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/**
 * Waits for the lock on `file` and returns a function that releases it. `onWait` is called once when another
 * process holds it, so the caller can say who it waits for.
 */
async function acquireLock(file, { onWait } = {}) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const holder = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  holder.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const waitNotice = setTimeout(() => onWait?.(file), 1000);
  try {
    await new Promise((resolve, reject) => {
      holder.once('error', (error) =>
        reject(new Error(`could not run flock (util-linux) to lock ${file}: ${error.message}; install util-linux`)),
      );
      holder.once('exit', (code, signal) => reject(new Error(`flock ${file} ended (${code ?? signal}) before it locked: ${stderr.trim()}`)));
      holder.stdout.on('data', (chunk) => {
        if (chunk.toString().includes('locked')) resolve();
      });
    });
  } finally {
    clearTimeout(waitNotice);
  }
  holder.removeAllListeners('exit');
  // The holder must not keep this process alive; closing our end of its stdin releases the lock.
  holder.unref();
  holder.stdin.unref?.();
  holder.stdout.destroy();
  holder.stderr.destroy();
  let released = false;
  return async function release() {
    if (released) return;
    released = true;
    if (holder.exitCode !== null || holder.signalCode !== null) return;
    const gone = new Promise((resolve) => holder.once('exit', resolve));
    // Referenced again while we wait for it: an unreferenced child lets node exit with the wait still pending.
    holder.ref();
    holder.stdin.end();
    await gone;
  };
}

module.exports = { acquireLock };

// The reaper of one test process (see processes.ts): started detached, reading nothing but its stdin. When the
// test process ends in any way, including SIGKILL or Ctrl+C, that pipe closes and the reaper stops every process
// that carries the test process's OKD_TEST_OWNER marker: registries, API servers, code-server and its children,
// Chromium. Usage: node reaper.js OWNER_ID
'use strict';
const path = require('node:path');
const { stopProcessesWithEnv } = require(path.join(__dirname, '..', '..', 'scripts', 'setup', 'processes.js'));

const owner = process.argv[2];
if (!owner) process.exit(2);
// Ctrl+C in the terminal goes to the foreground group; the reaper is in its own, but be sure it outlives the runner.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.stdin.resume();
process.stdin.on('data', () => undefined);
process.stdin.on('end', sweep);
process.stdin.on('error', sweep);

let sweeping = false;
function sweep() {
  if (sweeping) return;
  sweeping = true;
  stopProcessesWithEnv('OKD_TEST_OWNER', owner).finally(() => process.exit(0));
}

// Runs one install command with its output in a log file (setup prints one line per step, not npm's or apt's
// chatter); on failure the error names the command and ends with the log's last lines.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function runLogged(cmd, args, { cwd, env, logFile } = {}) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `\n$ ${cmd} ${args.join(' ')}${cwd ? `   (in ${cwd})` : ''}\n`);
  const out = fs.openSync(logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', out, out] });
    child.once('error', (error) => {
      fs.closeSync(out);
      reject(new Error(`could not start ${cmd}: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      fs.closeSync(out);
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
      reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code ?? signal}); its output is in ${logFile}, ending:\n${tail}`));
    });
  });
}

module.exports = { runLogged };

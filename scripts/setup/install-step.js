// One tool installed outside node_modules (code-server, the test cluster...), once, into the tools cache:
// - under a lock per tool, so two setups started together (npm start and npm test, two npm tests) never write
//   the same folder;
// - into `<dir>.partial` first, renamed to `<dir>` only when the tool checked out and its marker (with the
//   install key) is written: a folder without a matching marker is an interrupted or outdated install, never used,
//   removed and done again.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { acquireLock } = require('./lock');

const MARKER = '.okd-install-complete';

/** Where the project's installers write: $OKD_TOOLS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/okd-operator-dev. */
function toolsCacheDir(env = process.env) {
  if (env.OKD_TOOLS_CACHE) return path.resolve(env.OKD_TOOLS_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'okd-operator-dev');
}

/** True when `dir` holds a finished install made for `key`. */
function isInstalled(dir, key) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')).key === key;
  } catch {
    return false;
  }
}

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

/**
 * Installs a tool unless it is there. `install(dir)` fills the empty folder `dir` and throws on failure (it may
 * call `check` itself); `key` names what is installed (a version, a source hash): a different key means redo.
 * Returns the install folder.
 */
async function installStep({ name, dir, key, install }) {
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (isInstalled(dir, key)) {
    log(`${name}: ready in ${dir} (${seconds()})`);
    return dir;
  }
  const release = await acquireLock(`${dir}.lock`, {
    onWait: (file) => log(`${name}: another setup is installing it; waiting for its lock ${file}`),
  });
  try {
    if (isInstalled(dir, key)) {
      log(`${name}: installed by another setup, ready in ${dir} (${seconds()})`);
      return dir;
    }
    const partial = `${dir}.partial`;
    if (fs.existsSync(partial)) log(`${name}: an interrupted install was left in ${partial}; removing it and starting again`);
    if (fs.existsSync(dir)) log(`${name}: ${dir} is not a finished install of ${key}; removing it and installing again`);
    fs.rmSync(partial, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    log(`${name}: installing into ${dir}...`);
    await install(partial);
    fs.writeFileSync(path.join(partial, MARKER), `${JSON.stringify({ key, installed: new Date().toISOString() })}\n`);
    fs.renameSync(partial, dir);
    log(`${name}: installed in ${seconds()}`);
    return dir;
  } finally {
    await release();
  }
}

module.exports = { installStep, isInstalled, toolsCacheDir, MARKER };

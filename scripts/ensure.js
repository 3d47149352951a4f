// Installs what the README's two commands need on a fresh machine: npm packages (npm ci when node_modules is
// missing or older than the lockfile) and, as root, the Debian packages the tests and the sandbox run.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Debian package -> a file it installs, to tell whether it is there. */
const debianPackages = {
  'docker-registry': '/usr/bin/docker-registry',
  skopeo: '/usr/bin/skopeo',
  'apache2-utils': '/usr/bin/htpasswd',
  openssl: '/usr/bin/openssl',
  buildah: '/usr/bin/buildah',
  podman: '/usr/bin/podman',
  'golang-go': '/usr/bin/go',
  git: '/usr/bin/git',
  chromium: '/usr/bin/chromium',
  'libkrb5-dev': '/usr/include/krb5.h',
};

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`ensure: ${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  console.error('ensure: installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function ensureDebianPackages(names = Object.keys(debianPackages)) {
  const missing = names.filter((name) => !fs.existsSync(debianPackages[name]));
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    console.error(`ensure: installing Debian packages: ${missing.join(' ')}`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  console.error(`ensure: these Debian packages are needed and missing: ${missing.join(' ')}`);
  console.error(`ensure: install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}

module.exports = { ensureNodeModules, ensureDebianPackages, run, root };

if (require.main === module) {
  ensureDebianPackages();
  ensureNodeModules();
}

// The test cluster (test/cluster: etcd, kube-apiserver, kube-controller-manager and kube-scheduler in one Go
// binary), built into the tools cache and rebuilt only when its sources change: the install key is a hash of
// every file of the module. A cold build takes about 10 minutes on 2 cores (Go's own build cache, GOCACHE, makes
// later builds take seconds and is shared like the module cache).
'use strict';
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { installStep, isInstalled, toolsCacheDir } = require('./install-step');
const { runLogged } = require('./run-logged');

const moduleDir = path.resolve(__dirname, '..', '..', 'test', 'cluster');
const BINARY = 'okd-test-cluster';

/** A hash of the module's sources: *.go, go.mod, go.sum and build.sh, by path and content. */
function sourceKey() {
  const hash = createHash('sha256');
  const files = fs.readdirSync(moduleDir).filter((f) => /\.go$|^go\.(mod|sum)$|^build\.sh$/.test(f) && !f.endsWith('_test.go')).sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(moduleDir, file)));
    hash.update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * One folder per source hash: checkouts at different commits (a CI clone beside a work tree) each find their own
 * build. Builds of other sources not used for a week are removed when a new one is made.
 */
function installDir(env = process.env, key = sourceKey()) {
  return path.join(toolsCacheDir(env), `test-cluster-${key.slice('sha256:'.length, 'sha256:'.length + 16)}`);
}

function pruneOldBuilds(keep) {
  const root = toolsCacheDir();
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const full = path.join(root, name);
    if (!/^test-cluster-[0-9a-f]{16}$/.test(name) || full === keep) continue;
    if (fs.statSync(full).mtimeMs < weekAgo) fs.rmSync(full, { recursive: true, force: true });
  }
}

/** The built binary for the sources as they are, or an error that says how to build it. */
function findTestCluster(env = process.env) {
  const key = sourceKey();
  const dir = installDir(env, key);
  if (!isInstalled(dir, key)) {
    throw new Error(`the test cluster is not built for the current test/cluster sources in ${dir}: run \`npm run setup\` (npm test and npm start run it first)`);
  }
  return path.join(dir, BINARY);
}

function checkGo() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const match = /^go1\.(\d+)/.exec(result.stdout ?? '');
  if (result.status !== 0 || !match) throw new Error('no Go on PATH: the test cluster is built with Go 1.26 or newer (https://go.dev/doc/install), found none');
  if (Number(match[1]) < 26) throw new Error(`the test cluster needs Go 1.26 or newer to build (k8s.io/kubernetes v1.37 says go 1.26.0); PATH has ${result.stdout.trim()}`);
}

async function install(dir, logFile) {
  checkGo();
  const binary = path.join(dir, BINARY);
  await runLogged('bash', [path.join(moduleDir, 'build.sh'), binary], { cwd: moduleDir, env: { ...process.env, GO: 'go' }, logFile });
  // The module stays vet-clean: checked on every new build of its sources (seconds once the build cache is warm).
  await runLogged('go', ['vet', './...'], { cwd: moduleDir, env: process.env, logFile });
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0 || !/^v1\.\d+\.\d+/.test(version.stdout.trim())) {
    throw new Error(`${binary} --version failed: ${version.stderr || version.stdout}`);
  }
}

function ensureTestCluster() {
  const logFile = path.join(toolsCacheDir(), 'logs', 'test-cluster.log');
  const key = sourceKey();
  const dir = installDir(process.env, key);
  return installStep({
    name: 'test cluster (go build of test/cluster; about 10 minutes the first time)',
    dir,
    key,
    install: (partial) => install(partial, logFile).then(() => pruneOldBuilds(dir)),
  }).then(() => path.join(dir, BINARY));
}

module.exports = { ensureTestCluster, findTestCluster, sourceKey };

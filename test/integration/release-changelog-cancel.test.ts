// Ctrl+C during a changelog whose clone hangs (a "git server" that accepts the connection and never answers) ends
// the run with a message, the shell's SIGINT exit code, no git process left and no half-made clone in the cache.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/core/image/layer';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, cliPath, ensureBuilt } from '../support/cli';
import { eventually } from '../support/eventually';
import type { FixtureTag } from '../support/payload/manifests';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { processesWithEnv } = require('../../scripts/setup/processes.js') as { processesWithEnv(name: string, value: string): { pid: number; cmdline: string }[] };

const SOURCE = 'https://github.com/openshift/stalled-operator';

function tag(name: string, commit: string): FixtureTag {
  return {
    name,
    annotations: { 'io.openshift.build.commit.id': commit, 'io.openshift.build.source-location': SOURCE },
    from: { kind: 'DockerImage', name: `quay.io/okd/scos-content@${sha256(`${name} ${commit}`)}` },
  };
}

describe('okd-dev release diff --changelog, Ctrl+C while a clone hangs', () => {
  let registry: TestRegistry;
  let stall: net.Server;
  const connections = new Set<net.Socket>();
  let a: TestPayload;
  let b: TestPayload;

  before(async () => {
    registry = await startRegistry();
    // Accepts, reads what git sends, never says a word: git waits for the ref advertisement forever.
    stall = net.createServer((socket) => {
      connections.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => connections.delete(socket));
    });
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    const push = (version: string, commit: string) =>
      pushTestPayload({ client: new RegistryClient({ insecure: true }), registry: registry.host, repository: 'okd/scos-release', tag: version, version, tags: [tag('stalled-operator', commit)], small: true, tinyBase: true });
    a = await push('4.19.0-okd-cancel.1', 'a'.repeat(40));
    b = await push('4.19.0-okd-cancel.2', 'b'.repeat(40));
  });

  after(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => stall?.close(resolve));
    await registry?.stop();
  });

  it('ends with a message and exit code 130, leaving no git process and no partial clone', { timeout: 180_000 }, async () => {
    ensureBuilt();
    const port = (stall.address() as net.AddressInfo).port;
    const marker = randomUUID();
    const env = cliEnv({
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.git://127.0.0.1:${port}/.insteadOf`,
      GIT_CONFIG_VALUE_0: 'https://github.com/',
      OKD_CHANGELOG_CANCEL_RUN: marker,
    });
    // Its own process group, as a terminal's foreground job: Ctrl+C signals the whole group.
    const child = spawn(process.execPath, [cliPath, 'release', 'diff', a.pullSpec, b.pullSpec, '--insecure', '--changelog'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const gits = () => processesWithEnv('OKD_CHANGELOG_CANCEL_RUN', marker).filter((p) => /^git\b|\/git\b/.test(p.cmdline));
    try {
      await eventually(() => connections.size > 0 && gits().some((p) => /\bclone\b/.test(p.cmdline)), 60_000, 'git clone to connect to the silent server');
      assert.ok(gits().length > 0, 'a git process was running (so the check below can fail)');
      process.kill(-(child.pid as number), 'SIGINT');
      const code = await exited;
      assert.equal(code, 130, `stdout:\n${stdout}\nstderr:\n${stderr}`);
      assert.match(stderr, /^okd-dev: reading the changelog was cancelled$/m);
      assert.equal(stdout, '', 'no half changelog printed');
      assert.deepEqual(processesWithEnv('OKD_CHANGELOG_CANCEL_RUN', marker).map((p) => `${p.pid} ${p.cmdline}`), [], 'no process of the run left (git included)');
      const gitCache = path.join(env.OKD_DEV_CACHE_DIR as string, 'git');
      const left = fs.existsSync(gitCache) ? (fs.readdirSync(gitCache, { recursive: true }) as string[]).filter((f) => /\.partial-|\.lock$|\.git$/.test(f)) : [];
      assert.deepEqual(left, [], 'no partial clone, clone or lock left in the cache');
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
      for (const p of processesWithEnv('OKD_CHANGELOG_CANCEL_RUN', marker)) process.kill(p.pid, 'SIGKILL');
    }
  });
});

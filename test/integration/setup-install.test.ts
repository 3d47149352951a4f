// npm run setup's install steps: two setups started together install a tool once (the second waits for the
// first's lock and uses its install), an install killed half-way is found and done again, never used half-done,
// and a new install key (a new version, changed sources) replaces the old install.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../support/eventually';

const tool = path.join(__dirname, '..', 'support', 'setup', 'fake-tool.js');

interface Run {
  output(): string;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

function start(dir: string, key: string, mode: 'ok' | 'hold' | 'die' = 'ok'): Run {
  const child = spawn(process.execPath, [tool, dir, key, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { output: () => stderr, done: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

const setup = (dir: string, key: string, mode: 'ok' | 'die' = 'ok') => start(dir, key, mode).done;

const installs = (dir: string) => (fs.existsSync(`${dir}.installs`) ? fs.readFileSync(`${dir}.installs`, 'utf8').trim().split('\n').length : 0);

describe('setup install steps', { timeout: 120_000 }, () => {
  it('two setups started together install once; the second waits for the lock and uses that install', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-setup-')), 'tool');
    const first = start(dir, 'v1', 'hold');
    await eventually(() => installs(dir) === 1, 30_000, 'the first setup to start installing');
    const second = start(dir, 'v1');
    await eventually(() => /another setup is installing it; waiting for its lock/.test(second.output()), 30_000, 'the second setup to wait for the lock');
    fs.writeFileSync(`${dir}.go`, '');
    const [a, b] = await Promise.all([first.done, second.done]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(installs(dir), 1);
    assert.match(b.stderr, /installed by another setup/);
    assert.equal(fs.readFileSync(path.join(dir, 'tool'), 'utf8'), 'v1');
    assert.equal(fs.existsSync(`${dir}.partial`), false);
  });

  it('an install killed half-way leaves no usable install, and the next setup does it again', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-setup-')), 'tool');
    const killed = await setup(dir, 'v1', 'die');
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(fs.existsSync(dir), false, 'nothing at the install path');
    assert.ok(fs.existsSync(path.join(`${dir}.partial`, 'half')), 'the half-done install is where it was being made');
    // The lock died with its holder: this setup neither waits for it nor uses the half-done folder.
    const again = await setup(dir, 'v1');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /an interrupted install was left in .*\.partial; removing it and starting again/);
    assert.doesNotMatch(again.stderr, /waiting for its lock/);
    assert.equal(fs.readFileSync(path.join(dir, 'tool'), 'utf8'), 'v1');
    assert.equal(installs(dir), 2);
  });

  it('a new install key replaces the old install; the same key installs nothing', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-setup-')), 'tool');
    assert.equal((await setup(dir, 'v1')).code, 0);
    const same = await setup(dir, 'v1');
    assert.match(same.stderr, /fake tool: ready in/);
    assert.equal(installs(dir), 1);
    const next = await setup(dir, 'v2');
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, /is not a finished install of v2; removing it and installing again/);
    assert.equal(fs.readFileSync(path.join(dir, 'tool'), 'utf8'), 'v2');
    assert.equal(installs(dir), 2);
  });
});

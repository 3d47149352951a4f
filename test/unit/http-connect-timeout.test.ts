// A connect that hangs is bounded. A listening socket with a backlog of 0 that never accepts takes one connection;
// the kernel drops the SYNs of the next ones, so their connect hangs as behind a firewall that drops packets.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpRequest } from '../../src/core/http';

const LISTENER = `
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

describe('httpRequest: the connect deadline', () => {
  let child: ChildProcess;
  let port = 0;
  const filler: net.Socket[] = [];

  before(async () => {
    child = spawn('python3', ['-c', LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
    });
    // Take the one place the backlog has: connects after it hang.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve());
      s.once('error', reject);
      filler.push(s);
    });
  });

  after(() => {
    for (const s of filler) s.destroy();
    child.stdin?.end();
    child.kill();
  });

  it('fails a connect that does not complete with ETIMEDOUT naming the host, instead of waiting for the OS', async () => {
    await assert.rejects(httpRequest(`http://127.0.0.1:${port}/v2/`, { method: 'GET', connectTimeoutMs: 300 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ETIMEDOUT');
      assert.equal(err.message, `connect ETIMEDOUT 127.0.0.1:${port}: no connection within 0.3 s`);
      return true;
    });
  });
});

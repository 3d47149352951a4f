import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { PartialFile } from '../../src/core/release/extractFile';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'okd-partial-'));

/** Names handed out in turn, so a test knows (and can plant something at) the temporary name. */
const names = (...list: string[]) => () => list.shift() ?? 'exhausted';

async function write(partial: PartialFile, data: Buffer | string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(data)]), partial.stream());
}

describe('release extract: the partial file', () => {
  it('is created private with a random name next to the target, and made 0755 only when complete', async () => {
    const dir = tmp();
    const target = path.join(dir, 'oc');
    const partial = await PartialFile.create(target);
    assert.match(path.basename(partial.temp), /^\.oc\.[0-9a-f]{16}\.partial$/);
    assert.equal(path.dirname(partial.temp), dir);
    await write(partial, 'half');
    assert.equal(fs.statSync(partial.temp).mode & 0o777, 0o600, 'nobody else reads or runs a half-written binary');
    assert.equal(fs.existsSync(target), false);
    await write(partial, ' and the rest');
    await partial.commit();
    assert.equal(fs.readFileSync(target, 'utf8'), 'half and the rest');
    assert.equal(fs.statSync(target).mode & 0o777, 0o755);
    assert.deepEqual(fs.readdirSync(dir), ['oc']);
    const again = await PartialFile.create(target);
    assert.notEqual(again.temp, partial.temp, 'a new random name each time');
    await again.discard();
  });

  it('does not follow a symlink planted at the temporary name: it takes another name', async () => {
    const dir = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, '.oc.planted.partial'));
    const dangling = path.join(tmp(), 'would-be-created');
    fs.symlinkSync(dangling, path.join(dir, '.oc.dangling.partial'));
    const partial = await PartialFile.create(path.join(dir, 'oc'), { random: names('planted', 'dangling', 'fresh') });
    assert.equal(path.basename(partial.temp), '.oc.fresh.partial');
    await write(partial, 'binary');
    await partial.commit();
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious', 'the symlink target is untouched');
    assert.equal(fs.existsSync(dangling), false, 'a dangling symlink did not create its target');
    assert.ok(fs.lstatSync(path.join(dir, '.oc.planted.partial')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(dir, 'oc'), 'utf8'), 'binary');
  });

  it('gives up with a conflict when every name it tries already exists', async () => {
    const dir = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, '.oc.same.partial'));
    await assert.rejects(PartialFile.create(path.join(dir, 'oc'), { random: () => 'same' }), (err: OkdError) => err.kind === 'conflict' && /\.oc\.same\.partial already existed/.test(err.message));
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.deepEqual(fs.readdirSync(dir), ['.oc.same.partial']);
  });

  it('replaces an existing target in one rename: the old file is never rewritten in place', async () => {
    const dir = tmp();
    const target = path.join(dir, 'openshift-install');
    fs.writeFileSync(target, 'old installer', { mode: 0o755 });
    const keep = path.join(dir, 'hardlink-to-old');
    fs.linkSync(target, keep);
    const partial = await PartialFile.create(target);
    await write(partial, 'new installer');
    assert.equal(fs.readFileSync(target, 'utf8'), 'old installer', 'the old one is whole until the rename');
    await partial.commit();
    assert.equal(fs.readFileSync(target, 'utf8'), 'new installer');
    assert.equal(fs.readFileSync(keep, 'utf8'), 'old installer', 'the old inode was not truncated or written');
    assert.notEqual(fs.statSync(target).ino, fs.statSync(keep).ino);
  });

  it('replaces a symlink at the target itself, never the file it points to', async () => {
    const dir = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, 'oc'));
    const partial = await PartialFile.create(path.join(dir, 'oc'));
    await write(partial, 'binary');
    await partial.commit();
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.ok(fs.lstatSync(path.join(dir, 'oc')).isFile());
  });

  it('is removed on failure and on cancel, and discard is safe to repeat', async () => {
    const dir = tmp();
    const failing = await PartialFile.create(path.join(dir, 'oc'));
    const broken = new Readable({ read() {} });
    broken.push(Buffer.alloc(1000));
    setImmediate(() => broken.destroy(new Error('connection reset')));
    await assert.rejects(pipeline(broken, failing.stream()), /connection reset/);
    await failing.discard();
    await failing.discard();
    assert.deepEqual(fs.readdirSync(dir), []);

    const cancelled = await PartialFile.create(path.join(dir, 'oc'));
    const controller = new AbortController();
    const endless = new Readable({ read() { this.push(Buffer.alloc(64 * 1024)); } });
    let written = 0;
    endless.on('data', (chunk: Buffer) => {
      written += chunk.length;
      if (written > 1024 * 1024) controller.abort();
    });
    await assert.rejects(pipeline(endless, cancelled.stream(), { signal: controller.signal }), (err: Error) => err.name === 'AbortError');
    assert.equal(fs.readdirSync(dir).length, 1, 'the partial file was there while writing');
    await cancelled.discard();
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('says so when the target is a folder, and leaves nothing behind', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'oc'));
    fs.writeFileSync(path.join(dir, 'oc', 'inside'), 'x');
    const partial = await PartialFile.create(path.join(dir, 'oc'));
    await write(partial, 'binary');
    await assert.rejects(partial.commit(), (err: OkdError) => err.kind === 'failed' && /^cannot write .*\/oc: /.test(err.message) && /is a folder/.test(err.hint ?? ''));
    await partial.discard();
    assert.deepEqual(fs.readdirSync(dir), ['oc']);
  });

  it('reports a folder it cannot write to', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('root writes anywhere');
      return;
    }
    const dir = tmp();
    fs.chmodSync(dir, 0o500);
    await assert.rejects(PartialFile.create(path.join(dir, 'oc')), (err: OkdError) => err.kind === 'failed' && /choose a folder/.test(err.hint ?? ''));
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, it, type TestContext } from 'node:test';
import { gzipParallel, packLayer, tarEntries } from '../../src/core/build/append';
import { goArchitecture } from '../../src/core/build/gobuild';
import { formatStageTimes, StageTracker } from '../../src/core/devloop/stages';
import { sha256 } from '../../src/core/image/layer';
import { parseStatusV2, readGitInfo } from '../../src/core/workspace/git';

describe('parallel gzip of a layer', () => {
  it('is one gzip member that gunzips to the tarball, whose sha256 is the diff_id', async () => {
    const data = Buffer.concat(Array.from({ length: 5 }, (_, i) => Buffer.alloc(300_000, i)).concat([Buffer.from('tail')]));
    for (const level of [1, 3, 6]) {
      const { gz, diffId } = await gzipParallel(data, level);
      assert.deepEqual(zlib.gunzipSync(gz), data);
      assert.equal(diffId, sha256(data));
      assert.deepEqual([...gz.subarray(0, 3)], [0x1f, 0x8b, 8]);
    }
    const small = await gzipParallel(Buffer.from('hi'), 1);
    assert.equal(zlib.gunzipSync(small.gz).toString(), 'hi');
  });

  it('is reproducible and keeps the tar of the image layer builder', async () => {
    const content = Buffer.alloc(1_500_000, 7);
    const a = await packLayer([{ path: 'usr/bin/op', content, mode: 0o755 }], 'oci');
    const b = await packLayer([{ path: 'usr/bin/op', content, mode: 0o755 }], 'oci');
    assert.equal(a.digest, b.digest);
    assert.equal(a.diffId, sha256(await tarEntries([{ path: 'usr/bin/op', content, mode: 0o755 }])));
    assert.equal(a.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  });
});

describe('stages that overlap', () => {
  // The tracker reads performance.now(); a clock the test moves makes every time exact, whatever the machine's load.
  const fakeClock = (t: TestContext) => {
    const clock = { now: 1000 };
    t.mock.method(performance, 'now', () => clock.now);
    return clock;
  };

  it('a stage begun early keeps its start and says which stage it overlapped', (t) => {
    const clock = fakeClock(t);
    const tracker = new StageTracker(['prepare', 'build', 'push']);
    clock.now += 5;
    tracker.start('prepare');
    clock.now += 10;
    tracker.startEarly('build', 'go build (started while preparing)');
    clock.now += 30;
    tracker.done();
    clock.now += 20;
    tracker.start('build');
    tracker.done();
    const [prepare, build] = tracker.stages;
    assert.deepEqual([prepare?.startMs, prepare?.ms], [5, 40]);
    // build began 10 ms into prepare, before it ended, and its time runs from there: it overlapped prepare.
    assert.deepEqual([build?.startMs, build?.ms], [15, 50]);
    assert.ok((build?.startMs as number) < (prepare?.startMs as number) + (prepare?.ms as number));
    assert.equal(build?.overlaps, 'prepare');
    assert.equal(formatStageTimes(tracker.stages, 2), 'prepare 0.04 s, build 0.05 s (started during prepare)');
  });

  it('restart times a stage from now', (t) => {
    const clock = fakeClock(t);
    const tracker = new StageTracker(['prepare', 'build']);
    tracker.start('prepare');
    tracker.startEarly('build');
    clock.now += 30;
    tracker.done();
    tracker.start('build', 'again', { restart: true });
    clock.now += 5;
    tracker.done();
    // The 30 ms of the early start are not counted: build starts when prepare ended.
    assert.deepEqual([tracker.stages[1]?.startMs, tracker.stages[1]?.ms], [30, 5]);
    assert.equal(tracker.stages[1]?.overlaps, undefined);
  });
});

describe('git in four calls at once', () => {
  it('parses porcelain v2 status', () => {
    assert.deepEqual(parseStatusV2('# branch.oid (initial)\n# branch.head main\n'), { commit: '', dirty: false });
    assert.deepEqual(parseStatusV2('# branch.oid 4e615c17ea3417d8ab2b4e615c17ea3417d8ab2b\n# branch.head main\n1 .M N... 100644 100644 100644 a b go.mod\n'), { commit: '4e615c17ea3417d8ab2b4e615c17ea3417d8ab2b', dirty: true });
  });
  it('reads root, remotes, HEAD and local changes', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-git-')));
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { encoding: 'utf8' }).trim();
    try {
      git('init', '-q');
      git('remote', 'add', 'origin', 'https://github.com/openshift/x');
      const empty = await readGitInfo(dir);
      assert.deepEqual(empty, { root: dir, remotes: [{ name: 'origin', url: 'https://github.com/openshift/x' }], commit: '', dirty: false });
      fs.writeFileSync(path.join(dir, 'a'), 'a');
      git('add', 'a');
      git('commit', '-qm', 'a');
      fs.mkdirSync(path.join(dir, 'sub'));
      assert.deepEqual(await readGitInfo(path.join(dir, 'sub')), { ...empty, commit: git('rev-parse', 'HEAD'), dirty: false });
      fs.writeFileSync(path.join(dir, 'a'), 'b');
      assert.equal((await readGitInfo(dir)).dirty, true);
      fs.writeFileSync(path.join(dir, 'untracked'), 'b');
      git('checkout', '-q', 'a');
      assert.equal((await readGitInfo(dir)).dirty, false, 'untracked files are not local changes');
      await assert.rejects(readGitInfo(os.tmpdir()), /is not in a git repository/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('keeps the remote as written when url.<base>.insteadOf rewrites it (a mirror, an ssh rewrite)', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'okd-git-')));
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
    try {
      git('init', '-q');
      git('remote', 'add', 'origin', 'https://github.com/openshift/x');
      git('config', 'url.git://127.0.0.1:9418/.insteadOf', 'https://github.com/');
      assert.equal(git('remote', 'get-url', 'origin'), 'git://127.0.0.1:9418/openshift/x', 'git itself rewrites the URL');
      const info = await readGitInfo(dir);
      assert.deepEqual(info.remotes, [
        { name: 'origin', url: 'git://127.0.0.1:9418/openshift/x' },
        { name: 'origin', url: 'https://github.com/openshift/x' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('maps node architectures to GOARCH', () => {
    assert.equal(goArchitecture('x64'), 'amd64');
    assert.equal(goArchitecture('arm64'), 'arm64');
    assert.equal(goArchitecture('ppc64'), 'ppc64le');
  });
});

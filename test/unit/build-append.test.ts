import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendConfig, entrypointPath } from '../../src/core/build/append';
import { runCommand } from '../../src/core/build/runner';
import { CancelledError } from '../../src/core/cancel';
import { devTag } from '../../src/core/devloop/prepare';
import { StageTracker, DevLoopError, formatStageTimes, type DevLoopStage } from '../../src/core/devloop/stages';
import { OkdError } from '../../src/core/errors';
import type { ImageConfig } from '../../src/core/registry/types';

const base: ImageConfig = {
  created: '2026-11-01T10:00:00Z',
  architecture: 'amd64',
  os: 'linux',
  config: { Entrypoint: ['/usr/bin/cluster-image-registry-operator'], Labels: { 'io.openshift.build.commit.id': 'old', keep: 'me' }, Env: ['PATH=/usr/bin'] },
  rootfs: { type: 'layers', diff_ids: ['sha256:a', 'sha256:b'] },
};

describe('appending a layer to an image config', () => {
  it('adds the diff_id, labels, a history entry and a new created time; keeps the rest', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const out = appendConfig(base, 'sha256:c', { labels: { 'io.openshift.build.commit.id': 'new' }, createdBy: 'COPY /usr/bin/x', now });
    assert.deepEqual(out.rootfs.diff_ids, ['sha256:a', 'sha256:b', 'sha256:c']);
    assert.deepEqual(out.config?.Labels, { 'io.openshift.build.commit.id': 'new', keep: 'me' });
    assert.deepEqual(out.config?.Entrypoint, base.config?.Entrypoint);
    assert.deepEqual(out.config?.Env, ['PATH=/usr/bin']);
    assert.equal(out.created, now.toISOString());
    // Missing history is completed so that non-empty entries match the layers (podman refuses otherwise).
    assert.equal(out.history?.filter((h) => !h.empty_layer).length, 3);
    assert.equal(out.history?.[2]?.created_by, 'COPY /usr/bin/x');
    assert.deepEqual(base.rootfs.diff_ids, ['sha256:a', 'sha256:b'], 'the input is not changed');
  });

  it('keeps a history that already matches, empty layers included', () => {
    const withHistory: ImageConfig = { ...base, history: [{ created_by: 'a' }, { created_by: 'ENV', empty_layer: true }, { created_by: 'b' }] };
    const out = appendConfig(withHistory, 'sha256:c', { createdBy: 'c', now: new Date(0) });
    assert.deepEqual(out.history?.map((h) => h.created_by), ['a', 'ENV', 'b', 'c']);
  });

  it('finds the binary the image runs', () => {
    assert.equal(entrypointPath(base), '/usr/bin/cluster-image-registry-operator');
    assert.equal(entrypointPath({ ...base, config: { Cmd: ['cluster-samples-operator', '--flag'] } }), '/usr/bin/cluster-samples-operator');
    assert.equal(entrypointPath({ ...base, config: { Entrypoint: ['/usr/bin/tini', '--'], Cmd: ['/usr/bin/op'] } }), '/usr/bin/op');
    assert.equal(entrypointPath({ ...base, config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['exec /usr/bin/op $ARGS'] } }), undefined);
    assert.equal(entrypointPath({ ...base, config: {} }), undefined);
  });
});

describe('dev tags and stages', () => {
  it('tags say component, commit, local changes and time', () => {
    const now = new Date('2026-11-21T09:08:07.123Z');
    assert.equal(devTag('cluster-image-registry-operator', '4e615c17ea3417d8ab2b', true, now), 'cluster-image-registry-operator-4e615c1-dirty-20261121090807');
    assert.equal(devTag('x', '', false, now), 'x-nocommit-20261121090807');
    assert.match(devTag('a'.repeat(200), 'abc', true, now), /^[\w][\w.-]{0,127}$/);
  });

  it('tracks each stage, and a DevLoopError names the failed stage and how to restore', () => {
    const seen: string[] = [];
    const tracker = new StageTracker(['prepare', 'build', 'push'], (s) => seen.push(`${s.name}:${s.state}`));
    tracker.start('prepare');
    tracker.done();
    tracker.start('build');
    tracker.fail('go build failed');
    tracker.skip('push', 'build failed');
    assert.deepEqual(seen, ['prepare:running', 'prepare:done', 'build:running', 'build:failed', 'push:skipped']);
    assert.match(formatStageTimes(tracker.stages), /^prepare \d+\.\d s, build \d+\.\d s \(failed\)$/);
    const stages: DevLoopStage[] = tracker.stages;
    const err = new DevLoopError('rollout', stages, new OkdError('failed', 'pod x: ImagePullBackOff'), { operator: 'op', namespace: 'ns', name: 'op', command: 'okd-dev cluster restore op' });
    assert.equal(err.message, 'dev loop failed in stage rollout: pod x: ImagePullBackOff');
    assert.match(err.describe(), /Restore the operator with `okd-dev cluster restore op`/);
  });
});

describe('the command runner', () => {
  it('streams lines of both outputs, redacted, and returns stdout', async () => {
    const lines: string[] = [];
    const out = await runCommand(
      { command: process.execPath, args: ['-e', 'console.log("one\\ntwo"); console.error("token s3cret here")'], secrets: ['s3cret'] },
      { onLine: (l, s) => lines.push(`${s}:${l}`) },
    );
    assert.equal(out.stdout, 'one\ntwo\n');
    assert.deepEqual(lines.sort(), ['stderr:token <redacted> here', 'stdout:one', 'stdout:two']);
  });

  it('a failure carries the exit code and the last stderr lines', async () => {
    await assert.rejects(
      runCommand({ command: process.execPath, args: ['-e', 'console.error("no main package"); process.exit(3)'] }, { what: 'go build' }),
      (err: unknown) => err instanceof OkdError && /go build failed \(exit 3\).*no main package/.test(err.message),
    );
    await assert.rejects(runCommand({ command: 'okd-no-such-tool', args: [] }), /okd-no-such-tool is not installed/);
  });

  it('cancel kills the whole process group, children included', async () => {
    let cancel = () => undefined as void;
    const token = {
      isCancellationRequested: false,
      onCancellationRequested(listener: () => void) {
        cancel = () => {
          token.isCancellationRequested = true;
          listener();
        };
        return { dispose: () => undefined };
      },
    };
    const fs = await import('node:fs');
    const pidFile = `/tmp/okd-runner-child-${process.pid}`;
    const lateFile = `/tmp/okd-runner-late-${process.pid}`;
    fs.rmSync(pidFile, { force: true });
    fs.rmSync(lateFile, { force: true });
    // The grandchild writes lateFile only if its 30 s sleep runs to the end: a kill of the shell alone (not its
    // group) leaves it running, and the run then ends only when it does, with lateFile written.
    const run = runCommand({ command: 'sh', args: ['-c', `(sleep 30; echo late > ${lateFile}) & echo $! > ${pidFile}; wait`] }, { token });
    const readPid = () => {
      try {
        return Number(fs.readFileSync(pidFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    };
    // Cancel once the grandchild exists (a generous deadline: only a shell that never starts can hit it).
    for (const deadline = Date.now() + 10_000; readPid() === undefined; ) {
      assert.ok(Date.now() < deadline, 'the shell never wrote the grandchild pid');
      await new Promise((r) => setTimeout(r, 10));
    }
    const child = readPid() as number;
    cancel();
    await assert.rejects(run, (err: unknown) => err instanceof CancelledError);
    assert.equal(fs.existsSync(lateFile), false, 'the run ended before the grandchild finished its sleep: it was killed with the group');
    fs.rmSync(pidFile, { force: true });
    // Gone, or a zombie waiting for an init that does not reap (containers): either way no longer running.
    const stateOf = () => {
      try {
        return fs.readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
      } catch {
        return 'gone';
      }
    };
    let state = stateOf();
    for (const deadline = Date.now() + 10_000; state !== 'gone' && state !== 'Z' && Date.now() < deadline; state = stateOf()) await new Promise((r) => setTimeout(r, 10));
    assert.ok(state === 'gone' || state === 'Z', `the grandchild sleep is still running (state ${state})`);
  });
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DevLoopError, runDevLoop, type DevLoopStage } from '../../src/core/devloop';
import { createSampleOperator, type SampleOperator } from '../support/sample-operator';
import { type DevWorld, startDevWorld } from '../support/sample-operator/world';

describe('early build', () => {
  let world: DevWorld;
  let sample: SampleOperator;
  before(async () => {
    world = await startDevWorld();
    sample = createSampleOperator({ baseImage: world.baseImage });
  });
  after(async () => {
    sample?.remove();
    await world?.stop();
  });
  const loop = (more: Record<string, unknown> = {}, seen?: DevLoopStage[][]) =>
    runDevLoop({ dir: sample.dir, client: world.client, release: world.releaseImage, to: world.devRepository, settings: { buildEnv: sample.goEnv, access: { insecure: true } }, onStage: (_s, all) => seen?.push(all.map((x) => ({ ...x }))), ...more });

  it('a failed prepare stops the early build and names prepare', async () => {
    await assert.rejects(loop({ component: 'nope' }), (err: unknown) => {
      assert.ok(err instanceof DevLoopError);
      assert.equal(err.stage, 'prepare');
      assert.deepEqual(err.stages.map((s) => s.state), ['failed', 'skipped', 'pending', 'pending', 'pending']);
      assert.match(err.stages[1]?.detail ?? '', /not used: prepare failed/);
      return true;
    });
  });

  it('starts during prepare, and the second run reuses the learned target', async () => {
    const seen: DevLoopStage[][] = [];
    const first = await loop({}, seen);
    assert.equal(first.stages[1]?.overlaps, 'prepare');
    assert.ok(seen.some((all) => all[0]?.state === 'running' && all[1]?.state === 'running'), 'build ran while prepare did');
    sample.setVersion('v9');
    const second = await loop();
    assert.equal(second.stages[1]?.overlaps, 'prepare');
    assert.notEqual(second.layer?.digest, first.layer?.digest);
  });

  it('two main packages: no guess on the first run of that folder... and the right binary anyway', async () => {
    const other = createSampleOperator({ baseImage: world.baseImage });
    try {
      fs.mkdirSync(path.join(other.dir, 'cmd', 'zz-other'), { recursive: true });
      fs.writeFileSync(path.join(other.dir, 'cmd', 'zz-other', 'main.go'), 'package main\n\nfunc main() {}\n');
      const r = await runDevLoop({ dir: other.dir, client: world.client, release: world.releaseImage, to: world.devRepository, settings: { buildEnv: other.goEnv, access: { insecure: true } } });
      assert.equal(r.stages[1]?.overlaps, undefined, 'no early build without a guess');
      assert.ok((r.layer?.size ?? 0) > 500_000);
      const again = await runDevLoop({ dir: other.dir, client: world.client, release: world.releaseImage, to: world.devRepository, settings: { buildEnv: other.goEnv, access: { insecure: true } } });
      assert.equal(again.stages[1]?.overlaps, 'prepare', 'the learned target builds early');
      assert.equal(again.layer?.digest, r.layer?.digest, 'same source, same layer');
    } finally {
      other.remove();
    }
  });

  it('a wrong guess (another main package) is stopped and the right build runs', async () => {
    const other = createSampleOperator({ baseImage: world.baseImage });
    try {
      const decoy = path.join(other.dir, 'cmd', path.basename(other.dir));
      fs.mkdirSync(decoy, { recursive: true });
      fs.writeFileSync(path.join(decoy, 'main.go'), 'package main\n\nimport "time"\n\nfunc main() { time.Sleep(time.Second) }\n');
      const seen: DevLoopStage[][] = [];
      const r = await runDevLoop({ dir: other.dir, client: world.client, release: world.releaseImage, to: world.devRepository, settings: { buildEnv: other.goEnv, access: { insecure: true } }, onStage: (_s, all) => seen.push(all.map((x) => ({ ...x }))) });
      assert.ok(seen.some((all) => all[1]?.overlaps === 'prepare'), 'an early build was started');
      assert.equal(r.stages[1]?.overlaps, undefined, 'and thrown away');
      assert.ok(seen.some((all) => /guessed wrong/.test(all[1]?.detail ?? '')));
      const again = await runDevLoop({ dir: other.dir, client: world.client, release: world.releaseImage, to: world.devRepository, settings: { buildEnv: other.goEnv, access: { insecure: true } } });
      assert.equal(again.stages[1]?.overlaps, 'prepare');
      assert.equal(again.layer?.digest, r.layer?.digest, 'the right package both times');
    } finally {
      other.remove();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanSize, shortHumanDuration } from '../../src/core/release/size';

describe('the units oc adm release info --size prints', () => {
  it('humanSize is docker/go-units HumanSize (the cases of its own tests)', () => {
    const KB = 1000;
    const MB = KB * KB;
    const GB = MB * KB;
    const TB = GB * KB;
    const PB = TB * KB;
    const cases: [number, string][] = [
      [1000, '1kB'], [1024, '1.024kB'], [1000000, '1MB'], [1048576, '1.049MB'], [2 * MB, '2MB'],
      [3.42 * GB, '3.42GB'], [5.372 * TB, '5.372TB'], [2.22 * PB, '2.22PB'], [999, '999B'], [0, '0B'],
    ];
    for (const [bytes, text] of cases) assert.equal(humanSize(bytes), text, String(bytes));
  });

  it('shortHumanDuration is apimachinery\'s, as the AGE column uses it', () => {
    const s = 1000;
    const cases: [number, string][] = [[-5 * s, '<invalid>'], [-1 * s, '0s'], [59 * s, '59s'], [60 * s, '1m'], [3599 * s, '59m'], [3600 * s, '1h'], [86399 * s, '23h'], [86400 * s, '1d'], [400 * 86400 * s, '1y']];
    for (const [ms, text] of cases) assert.equal(shortHumanDuration(ms), text, String(ms));
  });
});

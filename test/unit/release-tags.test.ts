import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareReleaseTags, isArtifactTag, parseReleaseTag, sortReleaseTagsNewestFirst, STAGE_NIGHTLY, STAGE_RELEASE } from '../../src/core/release/tags';

describe('parseReleaseTag', () => {
  it('reads OKD SCOS releases, candidates and nightlies (tag shapes of quay.io/okd/scos-release)', () => {
    assert.deepEqual(parseReleaseTag('4.19.0-okd-scos.16'), { major: 4, minor: 19, patch: 0, stage: STAGE_RELEASE, timestamp: '', parts: [16] });
    assert.deepEqual(parseReleaseTag('4.21.0-okd-scos.ec.13'), { major: 4, minor: 21, patch: 0, stage: 1, timestamp: '', parts: [13] });
    assert.deepEqual(parseReleaseTag('4.20.0-0.okd-scos-2025-06-30-052314'), {
      major: 4,
      minor: 20,
      patch: 0,
      stage: STAGE_NIGHTLY,
      timestamp: '2025-06-30-052314',
      parts: [],
    });
  });

  it('reads OCP, CI and legacy OKD shapes', () => {
    assert.equal(parseReleaseTag('4.11.15-x86_64')?.stage, STAGE_RELEASE);
    assert.deepEqual(parseReleaseTag('4.11.15-x86_64')?.parts, []);
    assert.equal(parseReleaseTag('4.16.0-rc.2')?.stage, 3);
    assert.equal(parseReleaseTag('4.3.0-0.ci-2020-05-22-121811')?.timestamp, '2020-05-22-121811');
    assert.equal(parseReleaseTag('4.15.0-0.okd-2024-03-10-010116')?.stage, STAGE_NIGHTLY);
  });

  it('returns undefined for tags that are not versions', () => {
    for (const tag of ['latest', '4.19', 'stable-4', 'sha256-' + 'a'.repeat(64) + '.sig']) assert.equal(parseReleaseTag(tag), undefined, tag);
  });
});

describe('compareReleaseTags', () => {
  const older = (a: string, b: string) => assert.ok(compareReleaseTags(a, b) < 0 && compareReleaseTags(b, a) > 0, `${a} < ${b}`);

  it('compares OKD build numbers numerically', () => {
    older('4.19.0-okd-scos.9', '4.19.0-okd-scos.16');
    older('4.19.0-okd-scos.16', '4.19.1-okd-scos.0');
    older('4.9.0-okd-scos.1', '4.10.0-okd-scos.0');
  });

  it('puts engineering, feature and release candidates before the release of that version', () => {
    older('4.21.0-okd-scos.ec.2', '4.21.0-okd-scos.ec.13');
    older('4.21.0-okd-scos.ec.13', '4.21.0-okd-scos.rc.0');
    older('4.21.0-okd-scos.rc.0', '4.21.0-okd-scos.0');
    older('4.20.0-okd-scos.5', '4.21.0-okd-scos.ec.1');
    older('4.16.0-ec.1', '4.16.0-fc.0');
    older('4.16.0-rc.9', '4.16.0');
  });

  it('orders nightlies by their timestamp, before the named builds of that version', () => {
    older('4.20.0-0.okd-scos-2025-06-29-235959', '4.20.0-0.okd-scos-2025-06-30-052314');
    older('4.20.0-0.okd-scos-2025-06-30-052314', '4.20.0-okd-scos.ec.1');
    older('4.19.0-okd-scos.16', '4.20.0-0.okd-scos-2025-01-01-000000');
  });

  it('puts tags that are not versions before all versions', () => {
    older('latest', '4.1.0');
    older('a', 'b');
    assert.equal(compareReleaseTags('4.19.0-okd-scos.1', '4.19.0-okd-scos.1'), 0);
  });
});

describe('sortReleaseTagsNewestFirst', () => {
  it('sorts a repository listing newest first and drops signatures and duplicates', () => {
    const listed = [
      '4.19.0-okd-scos.16',
      '4.19.0-okd-scos.9',
      '4.19.0-okd-scos.10',
      '4.20.0-0.okd-scos-2025-06-30-052314',
      '4.20.0-0.okd-scos-2025-07-01-101010',
      '4.20.0-okd-scos.0',
      '4.20.0-okd-scos.ec.3',
      '4.21.0-okd-scos.ec.13',
      '4.21.0-okd-scos.ec.9',
      'latest',
      `sha256-${'c'.repeat(64)}.sig`,
      '4.19.0-okd-scos.9',
    ];
    assert.deepEqual(sortReleaseTagsNewestFirst(listed), [
      '4.21.0-okd-scos.ec.13',
      '4.21.0-okd-scos.ec.9',
      '4.20.0-okd-scos.0',
      '4.20.0-okd-scos.ec.3',
      '4.20.0-0.okd-scos-2025-07-01-101010',
      '4.20.0-0.okd-scos-2025-06-30-052314',
      '4.19.0-okd-scos.16',
      '4.19.0-okd-scos.10',
      '4.19.0-okd-scos.9',
      'latest',
    ]);
  });

  it('sorts 10,000 tags, each in its place', () => {
    // The order is checked whole; how long it takes is bench/model.ts's sortTagsVsStringSort.
    const expected: string[] = [];
    for (let minor = 29; minor >= 10; minor--) for (let n = 499; n >= 0; n--) expected.push(`4.${minor}.0-okd-scos.${n}`);
    const shuffled = [...expected];
    for (let i = shuffled.length - 1, seed = 1; i > 0; i--) {
      seed = (seed * 48271) % 2147483647;
      const j = seed % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
    }
    assert.deepEqual(sortReleaseTagsNewestFirst([...shuffled, 'latest', `sha256-${'a'.repeat(64)}.sig`, shuffled[0] as string]), [...expected, 'latest']);
  });
});

describe('isArtifactTag', () => {
  it('recognises cosign and referrers tags only', () => {
    assert.equal(isArtifactTag(`sha256-${'a'.repeat(64)}.sig`), true);
    assert.equal(isArtifactTag(`sha256-${'a'.repeat(64)}.att`), true);
    assert.equal(isArtifactTag(`sha256-${'a'.repeat(64)}`), true);
    assert.equal(isArtifactTag('4.19.0-okd-scos.16'), false);
  });
});

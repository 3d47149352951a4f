import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { OkdError } from '../../src/core/errors';
import {
  digestPullspec,
  familiarPullspec,
  formatPullspec,
  isDigest,
  parsePullspec,
  pullspecKey,
  sameRepository,
  tryParsePullspec,
} from '../../src/core/pullspec';

const D = 'sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653';
const D512 = `sha512:${'ab'.repeat(64)}`;

// [input, canonical formatPullspec output, familiar form]
const valid: [string, string, string][] = [
  ['busybox', 'docker.io/library/busybox', 'busybox'],
  ['busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['library/busybox', 'docker.io/library/busybox', 'busybox'],
  ['docker.io/busybox', 'docker.io/library/busybox', 'busybox'],
  ['index.docker.io/busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['openshift/origin-cli:v4.0', 'docker.io/openshift/origin-cli:v4.0', 'openshift/origin-cli:v4.0'],
  ['docker.io/openshift/origin-cluster-image-registry-operator:latest', 'docker.io/openshift/origin-cluster-image-registry-operator:latest', 'openshift/origin-cluster-image-registry-operator:latest'],
  ['quay.io/okd/scos-release:4.19.0-okd-scos.0', 'quay.io/okd/scos-release:4.19.0-okd-scos.0', 'quay.io/okd/scos-release:4.19.0-okd-scos.0'],
  ['quay.io/okd/scos-release:4.20.0-0.okd-scos-2025-06-30-052314', 'quay.io/okd/scos-release:4.20.0-0.okd-scos-2025-06-30-052314', 'quay.io/okd/scos-release:4.20.0-0.okd-scos-2025-06-30-052314'],
  [`quay.io/okd/scos-content@${D}`, `quay.io/okd/scos-content@${D}`, `quay.io/okd/scos-content@${D}`],
  [`quay.io/okd/scos-content:tag@${D}`, `quay.io/okd/scos-content:tag@${D}`, `quay.io/okd/scos-content:tag@${D}`],
  ['registry.ci.openshift.org/origin/release-scos:4.16', 'registry.ci.openshift.org/origin/release-scos:4.16', 'registry.ci.openshift.org/origin/release-scos:4.16'],
  ['localhost/foo', 'localhost/foo', 'localhost/foo'],
  ['localhost:5000/foo/bar:dev', 'localhost:5000/foo/bar:dev', 'localhost:5000/foo/bar:dev'],
  ['127.0.0.1:5000/okd/release', '127.0.0.1:5000/okd/release', '127.0.0.1:5000/okd/release'],
  ['[::1]:5000/foo:1', '[::1]:5000/foo:1', '[::1]:5000/foo:1'],
  ['[fe80::1]/foo', '[fe80::1]/foo', '[fe80::1]/foo'],
  ['my-registry:5000/a/b/c/d', 'my-registry:5000/a/b/c/d', 'my-registry:5000/a/b/c/d'],
  ['quay.io/a__b/c.d-e_f:_tag', 'quay.io/a__b/c.d-e_f:_tag', 'quay.io/a__b/c.d-e_f:_tag'],
  ['quay.io/a---b/x', 'quay.io/a---b/x', 'quay.io/a---b/x'],
  [`quay.io/x@${D512}`, `quay.io/x@${D512}`, `quay.io/x@${D512}`],
  [`quay.io/x:${'t'.repeat(128)}`, `quay.io/x:${'t'.repeat(128)}`, `quay.io/x:${'t'.repeat(128)}`],
  ['Registry.Example.COM/ns/img', 'Registry.Example.COM/ns/img', 'Registry.Example.COM/ns/img'],
  ['docker.io/library/a/b', 'docker.io/library/a/b', 'library/a/b'],
];

// [input, exact message, hint (or undefined)]
const invalid: [string, string, string | undefined][] = [
  ['', 'invalid pullspec "": it is empty', 'give an image pullspec such as quay.io/okd/scos-release:4.19.0-okd-scos.0'],
  ['   ', 'invalid pullspec "   ": it is only whitespace', 'give an image pullspec such as quay.io/okd/scos-release:4.19.0-okd-scos.0'],
  [' quay.io/x ', 'invalid pullspec " quay.io/x ": it contains whitespace', 'remove the surrounding whitespace: quay.io/x'],
  ['quay.io/my image', 'invalid pullspec "quay.io/my image": it contains whitespace', 'remove the spaces'],
  ['https://quay.io/x', 'invalid pullspec "https://quay.io/x": a pullspec has no URL scheme (https://)', 'remove the scheme: quay.io/x'],
  ['docker://quay.io/okd/scos-release:4.19', 'invalid pullspec "docker://quay.io/okd/scos-release:4.19": a pullspec has no URL scheme (docker://)', 'remove the scheme: quay.io/okd/scos-release:4.19'],
  ['quay.io/Okd/Release', 'invalid pullspec "quay.io/Okd/Release": repository "Okd/Release" contains uppercase letters', 'repository names are lowercase: okd/release'],
  ['Busybox', 'invalid pullspec "Busybox": repository "Busybox" contains uppercase letters', 'repository names are lowercase: busybox'],
  ['quay.io/', 'invalid pullspec "quay.io/": it names the registry quay.io but no repository', 'add the repository, e.g. quay.io/<namespace>/<name>'],
  ['localhost:5000/', 'invalid pullspec "localhost:5000/": it names the registry localhost:5000 but no repository', 'add the repository, e.g. localhost:5000/<namespace>/<name>'],
  ['quay.io/okd/', 'invalid pullspec "quay.io/okd/": it names the registry quay.io but no repository', 'add the repository, e.g. quay.io/<namespace>/<name>'],
  ['quay.io//x', `invalid pullspec "quay.io//x": it contains '//' (an empty path component)`, "use a single '/' between components"],
  ['/x', `invalid pullspec "/x": it starts with '/'`, 'remove the leading slash'],
  ['quay.io/x:', `invalid pullspec "quay.io/x:": it ends with ':' but has no tag`, "add the tag after ':' or remove the ':'"],
  ['quay.io/x@', `invalid pullspec "quay.io/x@": it ends with '@' but has no digest`, "add the digest after '@' (sha256:<64 hex>) or remove the '@'"],
  [`quay.io/x:@${D}`, `invalid pullspec "quay.io/x:@${D}": it has ':' before '@' but no tag`, "add the tag after ':' or remove the ':'"],
  [`quay.io/x@${D}@${D}`, `invalid pullspec "quay.io/x@${D}@${D}": it contains more than one '@'`, undefined],
  [':tag', 'invalid pullspec ":tag": it has no repository name', 'write the repository before the tag or digest, e.g. quay.io/okd/scos-release'],
  [`@${D}`, `invalid pullspec "@${D}": it has no repository name`, 'write the repository before the tag or digest, e.g. quay.io/okd/scos-release'],
  [`quay.io/x:${'t'.repeat(129)}`, `invalid pullspec "quay.io/x:${'t'.repeat(129)}": tag is 129 characters long, the limit is 128`, undefined],
  ['quay.io/x:.hidden', `invalid pullspec "quay.io/x:.hidden": tag ".hidden" must start with a letter, digit or '_'`, "a tag uses letters, digits, '_', '.' and '-' only"],
  ['quay.io/x:v1+build', `invalid pullspec "quay.io/x:v1+build": tag "v1+build" contains "+"`, "a tag uses letters, digits, '_', '.' and '-' only"],
  ['quay.io/x@sha256:abc', 'invalid pullspec "quay.io/x@sha256:abc": sha256 digest must be 64 hex characters, got 3', 'copy the whole digest'],
  [`quay.io/x@${D}0`, `invalid pullspec "quay.io/x@${D}0": sha256 digest must be 64 hex characters, got 65`, 'copy the whole digest'],
  [`quay.io/x@sha256:${'g'.repeat(64)}`, `invalid pullspec "quay.io/x@sha256:${'g'.repeat(64)}": sha256 digest contains characters that are not hexadecimal`, undefined],
  [`quay.io/x@sha256:${'A'.repeat(64)}`, `invalid pullspec "quay.io/x@sha256:${'A'.repeat(64)}": sha256 digest must be lowercase hex`, `use sha256:${'a'.repeat(64)}`],
  [`quay.io/x@md5:${'a'.repeat(32)}`, `invalid pullspec "quay.io/x@md5:${'a'.repeat(32)}": digest algorithm "md5" is not supported`, 'use sha256 (or sha384, sha512)'],
  ['quay.io/x@latest', 'invalid pullspec "quay.io/x@latest": digest "latest" is not of the form algorithm:hex', 'a digest looks like sha256:<64 lowercase hex characters>'],
  ['quay.io/x@sha256:', 'invalid pullspec "quay.io/x@sha256:": digest "sha256:" is not of the form algorithm:hex', 'a digest looks like sha256:<64 lowercase hex characters>'],
  ['quay.io/-x', 'invalid pullspec "quay.io/-x": repository component "-x" is invalid', "use lowercase letters and digits, separated by '.', '_', '__' or '-' (not at the start or end)"],
  ['quay.io/x_', 'invalid pullspec "quay.io/x_": repository component "x_" is invalid', "use lowercase letters and digits, separated by '.', '_', '__' or '-' (not at the start or end)"],
  ['quay.io/a___b', 'invalid pullspec "quay.io/a___b": repository component "a___b" is invalid', "use lowercase letters and digits, separated by '.', '_', '__' or '-' (not at the start or end)"],
  ['quay.io/a..b', 'invalid pullspec "quay.io/a..b": repository component "a..b" is invalid', "use lowercase letters and digits, separated by '.', '_', '__' or '-' (not at the start or end)"],
  ['quay.io:abc/x', 'invalid pullspec "quay.io:abc/x": registry port "abc" is not a number', 'write the registry as host:port, e.g. localhost:5000'],
  ['-bad.io/x', 'invalid pullspec "-bad.io/x": registry "-bad.io" is not a valid host name', undefined],
  ['[::1/x', `invalid pullspec "[::1/x": registry "[::1" has an unclosed '['`, undefined],
  ['[zz::1]:5000/x', 'invalid pullspec "[zz::1]:5000/x": registry "[zz::1]:5000" is not a valid IPv6 address', undefined],
  [`quay.io/${'a'.repeat(250)}`, `invalid pullspec "quay.io/${'a'.repeat(250)}": the repository name is 258 characters long, the limit is 255`, undefined],
  ['quay.io/x$y', 'invalid pullspec "quay.io/x$y": repository component "x$y" is invalid', "use lowercase letters and digits, separated by '.', '_', '__' or '-' (not at the start or end)"],
];

describe('parsePullspec: valid pullspecs', () => {
  for (const [input, canonical, familiar] of valid) {
    it(`${input.length > 80 ? input.slice(0, 80) + '...' : input}`, () => {
      const p = parsePullspec(input);
      assert.equal(formatPullspec(p), canonical);
      assert.equal(familiarPullspec(p), familiar);
      // canonical forms are fixed points
      assert.deepEqual(parsePullspec(canonical), p);
    });
  }
});

describe('parsePullspec: invalid pullspecs name the problem', () => {
  for (const [input, message, hint] of invalid) {
    it(JSON.stringify(input.length > 60 ? input.slice(0, 60) + '...' : input), () => {
      assert.throws(
        () => parsePullspec(input),
        (err: unknown) => {
          assert.ok(err instanceof OkdError, 'an OkdError');
          assert.equal(err.kind, 'invalid-input');
          assert.equal(err.message, message);
          assert.equal(err.hint, hint);
          return true;
        },
      );
      assert.equal(tryParsePullspec(input), undefined);
    });
  }
});

describe('pullspec fields and helpers', () => {
  it('splits registry, repository, tag and digest', () => {
    assert.deepEqual(parsePullspec(`localhost:5000/okd/release:4.19@${D}`), {
      registry: 'localhost:5000',
      repository: 'okd/release',
      tag: '4.19',
      digest: D,
    });
    assert.deepEqual(parsePullspec('[::1]:5000/foo'), { registry: '[::1]:5000', repository: 'foo' });
  });

  it('treats a single name with a port-like suffix as a Docker Hub tag, as docker does', () => {
    assert.deepEqual(parsePullspec('localhost:5000'), { registry: 'docker.io', repository: 'library/localhost', tag: '5000' });
  });

  it('digestPullspec drops the tag', () => {
    const p = parsePullspec('quay.io/okd/scos-release:4.19.0-okd-scos.0');
    assert.equal(digestPullspec(p, D), `quay.io/okd/scos-release@${D}`);
  });

  it('pullspecKey and sameRepository see through normalisation', () => {
    assert.equal(pullspecKey(parsePullspec('busybox')), pullspecKey(parsePullspec('index.docker.io/library/busybox')));
    assert.ok(sameRepository(parsePullspec('busybox:1'), parsePullspec(`docker.io/library/busybox@${D}`)));
    assert.ok(!sameRepository(parsePullspec('quay.io/a/b'), parsePullspec('quay.io/a/c')));
  });

  it('isDigest', () => {
    assert.ok(isDigest(D));
    assert.ok(isDigest(D512));
    assert.ok(!isDigest('sha256:abc'));
    assert.ok(!isDigest(D.toUpperCase()));
  });

  it('parses every component pullspec of the 4.10 payload', async () => {
    const { readFileSync } = await import('node:fs');
    const is = JSON.parse(readFileSync('/work/shared/fixtures/payload/ocp-4.10-image-references.json', 'utf8'));
    for (const tag of is.spec.tags) {
      const p = parsePullspec(tag.from.name);
      assert.equal(p.registry, 'quay.io');
      assert.equal(p.repository, 'openshift-release-dev/ocp-v4.0-art-dev');
      assert.ok(p.digest && isDigest(p.digest));
      assert.equal(formatPullspec(p), tag.from.name);
    }
  });
});

void describe('pullspec parsing work', () => {
  // The repository grammar once had an ambiguous separator (`[-]*`) that backtracked exponentially: 26 letters and a
  // stray character took 0.6 to 5 s, every added letter doubled it, and hovers run the parser on arbitrary text.
  // Bounded by work, not by a stopwatch: words of 60 and 240 letters would take the old grammar longer than the age
  // of the universe, and a linear parse a few microseconds. The parse runs in a worker so that the generous timeout
  // can stop a regression (a regex on this thread would block the timer too); bench/model.ts reports parse times.
  it('rejects long invalid words and still accepts the valid ones', { timeout: 20_000 }, async () => {
    const cases: [string, string | null][] = [];
    for (const n of [26, 60, 240]) {
      const word = 'a'.repeat(n);
      const dashed = 'ab-'.repeat(n / 3);
      for (const text of [`quay.io/${word}!`, `${word}-`, `quay.io/x/${word}_`, `quay.io/${word}..`, `quay.io/${dashed}-`, `quay.io/${dashed}!`]) cases.push([text, null]);
      cases.push([`quay.io/x/${word}`, `x/${word}`], [`quay.io/x/${dashed}c`, `x/${dashed}c`]);
    }
    // CommonJS through tsx's require hook: a worker does not get the test process's --import tsx loader.
    const worker = new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'pullspec-worker.ts'))});`, { eval: true, workerData: cases.map(([text]) => text) });
    worker.unref();
    let timer: NodeJS.Timeout | undefined;
    try {
      const parsed = await new Promise<(string | null)[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        timer = setTimeout(() => reject(new Error('parsing did not finish in 15 s: does the grammar backtrack?')), 15_000);
      });
      assert.deepEqual(parsed, cases.map(([, repository]) => repository));
    } finally {
      clearTimeout(timer);
      await worker.terminate();
    }
  });
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { HOVER_COMMANDS, commandUri, formatCreated, hoverMarkdown, revealTarget } from '../../src/core/hover/content';
import { detectPullspec } from '../../src/core/hover/detect';
import { lookupPullspec, type ReleaseIndex } from '../../src/core/hover/lookup';
import { parsePullspec } from '../../src/core/pullspec';
import { RegistryClient } from '../../src/core/registry/client';
import { CACHE_SCHEMA, ReleaseCache } from '../../src/core/release/cache';
import { ReleaseLibrary, type ComponentHit } from '../../src/core/release/library';
import type { Release } from '../../src/core/release/model';
import { buildRelease } from '../../src/core/release/operators';
import { summarizeRelease } from '../../src/core/release/summary';
import { cachePayload } from '../support/payload/cache';
import { DIGEST_A, DIGEST_B, metadataFor, payload410, read, IMAGE_REFS_410 } from './release-fixtures';

// cluster-image-registry-operator in the real 4.10 image-references
const realRefs = JSON.parse(read(IMAGE_REFS_410)) as { spec: { tags: { name: string; from: { name: string } }[] } };
const ciroTag = realRefs.spec.tags.find((t) => t.name === 'cluster-image-registry-operator');
assert.ok(ciroTag);
const CIRO_PULLSPEC = ciroTag.from.name;
const CIRO_DIGEST = CIRO_PULLSPEC.slice(CIRO_PULLSPEC.indexOf('@') + 1);

/** The real 4.10 payload, renamed to `version`, created at `created`, under its own payload digest. */
function release(version: string, created: string, digest: string, overrides: Partial<Release> = {}): Release {
  const input = payload410();
  input.files.set('release-metadata', metadataFor(version, []));
  return { ...buildRelease({ ...input, digest, created, pullSpec: `quay.io/okd/scos-release:${version}` }), ...overrides };
}

function indexOf(models: Release[]): ReleaseIndex {
  const byDigest = new Map<string, ComponentHit[]>();
  const releases = models.map(summarizeRelease);
  for (const r of releases) {
    for (const component of r.components) {
      const hits = byDigest.get(component.digest) ?? [];
      hits.push({ release: r, component });
      byDigest.set(component.digest, hits);
    }
  }
  return { findByDigest: (d) => byDigest.get(d) ?? [], releases: () => releases };
}

function decodeCommand(markdown: string, command: string): unknown[] {
  const m = new RegExp(`\\(command:${command.replace(/\./g, '\\.')}\\?([^ )]+)`).exec(markdown);
  assert.ok(m, `no ${command} link in:\n${markdown}`);
  return JSON.parse(decodeURIComponent(m[1] as string)) as unknown[];
}

const r16 = release('4.19.0-okd-scos.16', '2025-06-10T10:00:00Z', `sha256:${'1'.repeat(64)}`);
const r15 = release('4.19.0-okd-scos.15', '2025-05-10T10:00:00Z', `sha256:${'2'.repeat(64)}`);
const r14 = release('4.19.0-okd-scos.14', '2025-04-10T10:00:00.123Z', `sha256:${'3'.repeat(64)}`, { architecture: 'multi', os: 'multi', platforms: ['linux/amd64', 'linux/arm64'] });
const index = indexOf([r15, r14, r16]);

describe('hover content: a component digest', () => {
  const pullspec = parsePullspec(CIRO_PULLSPEC);
  const found = lookupPullspec(index, pullspec, pullspec.digest);
  const md = hoverMarkdown({ pullspec, text: CIRO_PULLSPEC, found });

  it('names the component and the newest release first, with how many more', () => {
    assert.deepEqual(found.components.map((h) => h.release.version), ['4.19.0-okd-scos.16', '4.19.0-okd-scos.15', '4.19.0-okd-scos.14']);
    assert.match(md, /^\*\*cluster-image-registry-operator\*\* in 4\.19\.0-okd-scos\.16 \(and 2 more\)/);
    assert.match(md, /Also in 4\.19\.0-okd-scos\.15, 4\.19\.0-okd-scos\.14/);
  });

  it('links the commit and the source, and gives digest, created and architecture', () => {
    const c = found.components[0]?.component;
    assert.ok(c?.commit && c.commitUrl);
    assert.ok(md.includes(`Commit [\`${c.commit.slice(0, 12)}\`](${c.commitUrl})`), md);
    assert.ok(md.includes(`Source [openshift/cluster-image-registry-operator](https://github.com/openshift/cluster-image-registry-operator)`), md);
    assert.ok(md.includes(`Digest \`${CIRO_DIGEST}\``));
    assert.ok(md.includes('Release created 2025-06-10 10:00:00 UTC · linux/amd64'), md);
  });

  it('has command links with JSON arguments for copy and reveal', () => {
    assert.deepEqual(decodeCommand(md, HOVER_COMMANDS.copyDigestPullspec), [CIRO_PULLSPEC]);
    assert.deepEqual(decodeCommand(md, HOVER_COMMANDS.revealInExplorer), [{ release: 'quay.io/okd/scos-release:4.19.0-okd-scos.16', component: 'cluster-image-registry-operator' }]);
    assert.equal(commandUri('okd.revealInExplorer', [{ release: 'a b' }]), `command:okd.revealInExplorer?${encodeURIComponent('[{"release":"a b"}]')}`);
    assert.equal(commandUri('x', ['(a)']), 'command:x?%5B%22%28a%29%22%5D');
  });

  it('says when the same image is another component elsewhere, and cuts long lists', () => {
    const renamed = release('4.18.0-okd-scos.1', '2025-01-01T00:00:00Z', `sha256:${'4'.repeat(64)}`);
    renamed.components = renamed.components.map((c) => (c.digest === CIRO_DIGEST ? { ...c, name: 'image-registry-operator' } : c));
    const many = [r16, r15, r14, renamed, ...[5, 6, 7].map((n) => release(`4.17.0-okd-scos.${n}`, `2024-0${n}-01T00:00:00Z`, `sha256:${String(n).repeat(64)}`))];
    const text = hoverMarkdown({ pullspec, text: CIRO_PULLSPEC, found: lookupPullspec(indexOf(many), pullspec, pullspec.digest) });
    assert.match(text, /\(and 6 more\)/);
    assert.match(text, /4\.18\.0-okd-scos\.1 as \*\*image-registry-operator\*\*/);
    assert.match(text, /, and 2 more$/m);
  });
});

describe('hover content: a release payload', () => {
  it('says the pullspec is a loaded release, with its counts', () => {
    const pullspec = parsePullspec(`quay.io/okd/scos-release@${r16.digest}`);
    const found = lookupPullspec(index, pullspec, pullspec.digest);
    assert.deepEqual(found.payloads, [summarizeRelease(r16)]);
    const md = hoverMarkdown({ pullspec, text: '', found });
    assert.match(md, /^\*\*Release payload 4\.19\.0-okd-scos\.16\*\* \(4\.10\.0-0\.nightly-2021-11-14-184249\)/);
    assert.ok(md.includes(`${r16.components.length} components · ${r16.operators.length} operators`), md);
    assert.equal(r16.components.length, 146);
    assert.deepEqual(decodeCommand(md, HOVER_COMMANDS.revealInExplorer), [{ release: r16.pullSpec }]);
  });

  it('matches a multi-arch payload by its list digest and shows its platforms', () => {
    const list = `sha256:${'9'.repeat(64)}`;
    const multi = { ...r14, listDigest: list };
    const pullspec = parsePullspec(`quay.io/okd/scos-release@${list}`);
    const found = lookupPullspec(indexOf([multi]), pullspec, list);
    const md = hoverMarkdown({ pullspec, text: '', found });
    assert.match(md, /\(manifest list\)/);
    assert.match(md, /multi \(linux\/amd64, linux\/arm64\)/);
    assert.match(md, /Created 2025-04-10 10:00:00 UTC/);
  });

  it('matches an unresolved tag to the release loaded by that tag', () => {
    const pullspec = parsePullspec('quay.io/okd/scos-release:4.19.0-okd-scos.15');
    const found = lookupPullspec(index, pullspec, undefined);
    assert.deepEqual(found.payloads, [summarizeRelease(r15)]);
    const md = hoverMarkdown({ pullspec, text: '', tag: { state: 'off' }, found });
    assert.match(md, /Release payload 4\.19\.0-okd-scos\.15/);
    assert.match(md, /okd\.hover\.resolveTags/);
    assert.ok(!md.includes(HOVER_COMMANDS.copyDigestPullspec), 'no digest, nothing to copy');
  });
});

describe('hover content: unknown pullspecs and tags', () => {
  it('says an unknown digest is in no loaded release, and still offers to copy it', () => {
    const pullspec = parsePullspec(`localhost:5000/me/op@${DIGEST_A}`);
    const md = hoverMarkdown({ pullspec, text: '', found: lookupPullspec(index, pullspec, DIGEST_A) });
    assert.match(md, /not in any loaded release \(searched 3 loaded releases\)/);
    assert.ok(md.includes(`Digest \`${DIGEST_A}\``));
    assert.deepEqual(decodeCommand(md, HOVER_COMMANDS.copyDigestPullspec), [`localhost:5000/me/op@${DIGEST_A}`]);
    assert.ok(!md.includes(HOVER_COMMANDS.revealInExplorer));
  });

  it('shows each tag resolution state', () => {
    const pullspec = parsePullspec('quay.io/me/op:dev');
    const empty = lookupPullspec(indexOf([]), pullspec, undefined);
    assert.match(hoverMarkdown({ pullspec, text: '', tag: { state: 'pending' }, found: empty }), /Asking quay\.io which digest tag `dev` points to; hover again/);
    assert.match(hoverMarkdown({ pullspec, text: '', tag: { state: 'failed', reason: 'quay.io: unauthorized <x>' }, found: empty }), /Could not resolve tag `dev`: quay\.io: unauthorized \\<x\\>/);
    assert.match(hoverMarkdown({ pullspec, text: '', tag: { state: 'off' }, found: empty }), /no digest known/);
    const resolved = hoverMarkdown({ pullspec, text: '', tag: { state: 'resolved', digest: CIRO_DIGEST }, found: lookupPullspec(index, pullspec, CIRO_DIGEST) });
    assert.match(resolved, /^Tag `dev` points to `sha256:/);
    assert.match(resolved, /\*\*cluster-image-registry-operator\*\* in 4\.19\.0-okd-scos\.16/);
    assert.deepEqual(decodeCommand(resolved, HOVER_COMMANDS.copyDigestPullspec), [`quay.io/me/op@${CIRO_DIGEST}`]);
  });

  it('mentions a cache scan still running', () => {
    const pullspec = parsePullspec(`quay.io/me/op@${DIGEST_B}`);
    assert.match(hoverMarkdown({ pullspec, text: '', found: lookupPullspec(indexOf([]), pullspec, DIGEST_B), scanning: true }), /Still reading the payload cache/);
  });
});

describe('hover content: safety', () => {
  it('never links annotation values that are not http(s) and escapes markdown in names', () => {
    const evil = release('4.19.0_*evil*', '2025-06-10T10:00:00Z', `sha256:${'8'.repeat(64)}`);
    evil.components = evil.components.map((c) =>
      c.digest === CIRO_DIGEST ? { ...c, name: '[x](command:workbench.action.terminal.new)', source: 'command:workbench.action.terminal.new', commitUrl: 'javascript:alert(1)' } : c,
    );
    const pullspec = parsePullspec(CIRO_PULLSPEC);
    const md = hoverMarkdown({ pullspec, text: '', found: lookupPullspec(indexOf([evil]), pullspec, pullspec.digest) });
    assert.doesNotMatch(md, /(?<!\\)\]\(command:workbench/);
    assert.ok(!md.includes('(javascript:'), md);
    assert.ok(md.includes('\\[x\\](command:workbench.action.terminal.new)'), md);
    assert.ok(md.includes('4.19.0\\_\\*evil\\*'), md);
    for (const m of md.matchAll(/(?<!\\)\]\((command:[^?)\s]+)/g)) assert.ok(Object.values(HOVER_COMMANDS).includes(m[1]!.slice(8) as never), m[1]);
  });

  it('formats created times', () => {
    assert.equal(formatCreated('2021-11-14T18:51:28.123456Z'), '2021-11-14 18:51:28 UTC');
    assert.equal(formatCreated('yesterday'), 'yesterday');
    assert.equal(formatCreated(''), 'unknown');
    assert.equal(revealTarget({ components: [], payloads: [], searched: 0 }), undefined);
  });
});

describe('hover content: from the real ReleaseLibrary', () => {
  it('finds a component after scanCache() and renders it from a detected line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-hover-test-'));
    try {
      const cache = new ReleaseCache(dir);
      const input = payload410();
      await cachePayload(cache, {
        schema: CACHE_SCHEMA,
        pullSpec: input.pullSpec,
        digest: input.digest,
        created: input.created,
        os: input.os,
        architecture: input.architecture,
        labels: input.labels,
        files: Object.fromEntries(input.files),
      });
      const library = new ReleaseLibrary({ registry: () => new RegistryClient(), cache: () => cache });
      assert.deepEqual(library.findByDigest(CIRO_DIGEST), []);
      await library.scanCache();
      const line = `        image: ${CIRO_PULLSPEC}`;
      const detected = detectPullspec(line, 20);
      assert.ok(detected);
      const md = hoverMarkdown({ pullspec: detected.pullspec, text: detected.text, found: lookupPullspec(library, detected.pullspec, detected.pullspec.digest) });
      assert.match(md, /^\*\*cluster-image-registry-operator\*\* in 4\.10\.0-0\.nightly-2021-11-14-184249 {2}\n/);
      assert.match(md, /Release created 2021-11-14 18:51:28 UTC · linux\/amd64/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

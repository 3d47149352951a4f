import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { digestMirrorsFor, parseDigestMirrors } from '../../src/core/registry/idms';
import { MirrorPolicy } from '../../src/core/registry/mirrors';
import {
  findRegistry,
  loadRegistriesConf,
  parseRegistriesConf,
  pullSources,
  refMatchingPrefix,
  registriesConfFiles,
} from '../../src/core/registry/registriesConf';
import { parseToml } from '../../src/core/registry/toml';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-regconf-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function tree(files: Record<string, string>): string {
  const root = path.join(tmp, `t${n++}`);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('refMatchingPrefix (containers/image sysregistriesv2)', () => {
  // Cases from containers/image's TestRefMatchingPrefix and TestRefMatchingSubdomainPrefix.
  const cases: [string, string, number][] = [
    ['docker.io', 'docker.io', 9],
    ['docker.io', 'docker.io/library', -1],
    ['docker.io/library', 'docker.io', 9],
    ['docker.io/library/busybox', 'docker.io/library', 17],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox', 25],
    ['docker.io/library/busybox@sha256:abc', 'docker.io/library/busybox', 25],
    ['docker.io/libraryX', 'docker.io/library', -1],
    ['example.com:5000/ns', 'example.com', 11], // the quirk containers/image keeps (and says not to rely on)
    ['example.com/ns', 'example.co', -1],
    ['sub.example.com/ns/repo', '*.example.com', 15],
    ['a.b.example.com', '*.example.com', 15],
    ['example.com/ns', '*.example.com', -1],
    ['sub.example.com:5000/ns', '*.example.com', 15],
    ['sub.example.community/ns', '*.example.com', -1],
    ['other.com/sub.example.com/x', '*.example.com', -1],
  ];
  for (const [ref, prefix, want] of cases) {
    it(`${ref} against ${prefix} -> ${want}`, () => assert.equal(refMatchingPrefix(ref, prefix), want));
  }
});

describe('findRegistry and pull sources', () => {
  const registries = parseRegistriesConf(`
[[registry]]
location = "quay.io"
[[registry]]
prefix = "quay.io/okd"
location = "mirror.local/okd-copy"
[[registry.mirror]]
location = "m1.local/okd"
[[registry.mirror]]
location = "m2.local/okd"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m3.local/okd"
pull-from-mirror = "tag-only"
insecure = true
[[registry]]
prefix = "*.example.com"
blocked = true
[[registry]]
prefix = "*.sub.example.com"
location = "mirror.local/sub"
[[registry]]
location = "digest.only"
mirror-by-digest-only = true
[[registry.mirror]]
location = "dm.local"
`);
  const config = { registries };

  it('takes the longest matching prefix, counting a wildcard prefix with its "*."', () => {
    assert.equal(findRegistry(config, 'quay.io/okd/scos-release')?.prefix, 'quay.io/okd');
    assert.equal(findRegistry(config, 'quay.io/openshift/okd')?.prefix, 'quay.io');
    assert.equal(findRegistry(config, 'quay.io/okdx/y')?.prefix, 'quay.io');
    assert.equal(findRegistry(config, 'a.example.com/x')?.prefix, '*.example.com');
    assert.equal(findRegistry(config, 'a.sub.example.com/x')?.prefix, '*.sub.example.com');
    assert.equal(findRegistry(config, 'registry.ci.openshift.org/origin/release'), undefined);
  });

  it('digest pulls: mirrors except tag-only, then the registry rewritten by its location', () => {
    const reg = findRegistry(config, 'quay.io/okd/scos-release');
    assert.ok(reg);
    assert.deepEqual(pullSources(reg, 'quay.io/okd/scos-release', true), [
      { name: 'm1.local/okd/scos-release', insecure: false, mirror: true },
      { name: 'm2.local/okd/scos-release', insecure: false, mirror: true },
      { name: 'mirror.local/okd-copy/scos-release', insecure: false, mirror: false },
    ]);
  });

  it('tag pulls: mirrors except digest-only', () => {
    const reg = findRegistry(config, 'quay.io/okd/scos-release');
    assert.ok(reg);
    assert.deepEqual(
      pullSources(reg, 'quay.io/okd/scos-release', false).map((s) => s.name),
      ['m1.local/okd/scos-release', 'm3.local/okd/scos-release', 'mirror.local/okd-copy/scos-release'],
    );
  });

  it('mirror-by-digest-only: no mirror for a tag', () => {
    const reg = findRegistry(config, 'digest.only/x');
    assert.ok(reg);
    assert.deepEqual(pullSources(reg, 'digest.only/x', false).map((s) => s.name), ['digest.only/x']);
    assert.deepEqual(pullSources(reg, 'digest.only/x', true).map((s) => s.name), ['dm.local/x', 'digest.only/x']);
  });

  it('a wildcard prefix with a location rewrites the host part it matched', () => {
    const reg = findRegistry(config, 'a.sub.example.com/x/y');
    assert.ok(reg);
    assert.deepEqual(pullSources(reg, 'a.sub.example.com/x/y', true).map((s) => s.name), ['mirror.local/sub/x/y']);
  });

  it('MirrorPolicy refuses a blocked registry and orders candidates', () => {
    const root = tree({ 'r.conf': `[[registry]]\nprefix = "*.example.com"\nblocked = true\n[[registry]]\nlocation = "src.local"\n[[registry.mirror]]\nlocation = "mir.local/copy"\ninsecure = true\n` });
    const policy = new MirrorPolicy({ registriesConf: { file: path.join(root, 'r.conf') } });
    assert.throws(() => policy.pullCandidates('a.example.com', 'x', true), (err: unknown) => err instanceof OkdError && err.kind === 'forbidden' && /registry \*\.example\.com is blocked/.test(err.message));
    assert.throws(() => policy.checkHost('b.example.com'), /blocked/);
    assert.deepEqual(
      policy.pullCandidates('src.local', 'ns/app', true).map((c) => `${c.registry} ${c.repository} ${c.mirror}`),
      ['mir.local copy/ns/app true', 'src.local ns/app false'],
    );
    assert.equal(policy.isInsecure('mir.local'), true);
    assert.equal(policy.isInsecure('src.local'), false);
  });
});

describe('registries.conf validation (postProcessRegistries)', () => {
  const bad: [string, RegExp][] = [
    ['[[registry]]\nlocation = "https://quay.io"\n', /URI schemes are not supported/],
    ['[[registry]]\ninsecure = true\n', /both location and prefix are unset/],
    ['[[registry]]\nprefix = "quay.io/x"\n', /location is unset and prefix is not in the format/],
    ['[[registry]]\nlocation = "a.io"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.io"\npull-from-mirror = "all"\n', /cannot set mirror usage mirror-by-digest-only/],
    ['[[registry]]\nlocation = "a.io"\n[[registry.mirror]]\nlocation = "m.io"\npull-from-mirror = "sometimes"\n', /unsupported pull-from-mirror value "sometimes"/],
    ['[[registry]]\nlocation = "a.io"\npull-from-mirror = "all"\n', /pull-from-mirror must not be set for a non-mirror registry/],
    ['[[registry]]\nlocation = "a.io"\n[[registry.mirror]]\ninsecure = true\n', /mirror location is unset/],
    ['[[registry]]\nprefix = "a.io/x"\nlocation = "a.io"\ninsecure = true\n[[registry]]\nprefix = "a.io/y"\nlocation = "a.io"\n', /defined multiple times with conflicting 'insecure'/],
    ['[[registry]]\nprefix = "*.a.io/x"\n', /Wildcarded prefix should be in the format/],
    ['[registries.insecure]\nregistries = ["a.io"]\n[[registry]]\nlocation = "b.io"\n', /mixing sysregistry v1\/v2/],
  ];
  for (const [text, want] of bad) it(`refuses ${JSON.stringify(text.split('\n')[1] ?? text)} ... (${want.source})`, () => assert.throws(() => parseRegistriesConf(text), want));

  it('converts v1 [registries.insecure] and [registries.block]; refuses v1 in a drop-in', () => {
    const regs = parseRegistriesConf('[registries.search]\nregistries = ["docker.io"]\n[registries.insecure]\nregistries = ["a.io"]\n[registries.block]\nregistries = ["b.io/"]\n');
    assert.deepEqual(regs.map((r) => [r.prefix, r.insecure, r.blocked]), [['a.io', true, false], ['b.io', false, true]]);
    assert.throws(() => parseRegistriesConf('[registries.block]\nregistries = ["b.io"]\n', { forceV2: true }), /must be in v2 format/);
  });

  it('the first of two tables with one prefix wins; the list is sorted by prefix', () => {
    const regs = parseRegistriesConf('[[registry]]\nlocation = "z.io"\n[[registry]]\nlocation = "a.io"\n[[registry.mirror]]\nlocation = "first"\n[[registry]]\nlocation = "a.io"\n[[registry.mirror]]\nlocation = "second"\n');
    assert.deepEqual(regs.map((r) => [r.prefix, r.mirrors.map((m) => m.location)]), [['a.io', ['first']], ['z.io', []]]);
  });

  it('reads the files podman installs (/etc/containers/registries.conf.d/shortnames.conf-style aliases)', () => {
    const regs = parseRegistriesConf('unqualified-search-registries = ["quay.io"]\nshort-name-mode = "enforcing"\n[aliases]\n  # comment\n  "fedora" = "registry.fedoraproject.org/fedora"\n  "ubi8/ubi" = \'registry.access.redhat.com/ubi8/ubi\'\n');
    assert.deepEqual(regs, []);
  });
});

describe('which files, in which order (newConfigWrapperWithHomeDir, containers-registries.conf.d(5))', () => {
  const reg = (location: string, mirror: string) => `[[registry]]\nlocation = "${location}"\n[[registry.mirror]]\nlocation = "${mirror}"\n`;

  it('system file, then system drop-ins in lexical order (*.conf only), then the user drop-ins', () => {
    const root = tree({
      'etc/registries.conf': reg('a.io', 'from-main') + reg('b.io', 'from-main'),
      'etc/registries.conf.d/20-b.conf': reg('a.io', 'from-20'),
      'etc/registries.conf.d/10-a.conf': reg('a.io', 'from-10') + reg('c.io', 'from-10'),
      'etc/registries.conf.d/99-ignored.conf.bak': reg('a.io', 'ignored'),
      'home/.config/containers/registries.conf.d/x.conf': reg('c.io', 'from-user-d'),
    });
    const files = registriesConfFiles({ systemFile: `${root}/etc/registries.conf`, systemDir: `${root}/etc/registries.conf.d` }, { HOME: `${root}/home` });
    const config = loadRegistriesConf(files);
    const mirrorOf = (loc: string) => config.registries.find((r) => r.prefix === loc)?.mirrors[0]?.location;
    assert.equal(mirrorOf('a.io'), 'from-20');
    assert.equal(mirrorOf('b.io'), 'from-main');
    assert.equal(mirrorOf('c.io'), 'from-user-d');
    assert.deepEqual(config.files.map((f) => path.relative(root, f)), [
      'etc/registries.conf',
      'etc/registries.conf.d/10-a.conf',
      'etc/registries.conf.d/20-b.conf',
      'home/.config/containers/registries.conf.d/x.conf',
    ]);
  });

  it("the user's ~/.config/containers/registries.conf replaces the system file and the system drop-ins", () => {
    const root = tree({
      'etc/registries.conf': reg('a.io', 'system'),
      'etc/registries.conf.d/10.conf': reg('b.io', 'system-d'),
      'home/.config/containers/registries.conf': reg('a.io', 'user'),
      'home/.config/containers/registries.conf.d/10.conf': reg('c.io', 'user-d'),
    });
    const files = registriesConfFiles({ systemFile: `${root}/etc/registries.conf`, systemDir: `${root}/etc/registries.conf.d` }, { HOME: `${root}/home` });
    const config = loadRegistriesConf(files);
    assert.deepEqual(config.registries.map((r) => `${r.prefix}=${r.mirrors[0]?.location}`), ['a.io=user', 'c.io=user-d']);
  });

  it('CONTAINERS_REGISTRIES_CONF replaces both main files (the drop-in folders are still read) and must exist', () => {
    const root = tree({
      'etc/registries.conf': reg('a.io', 'system'),
      'etc/registries.conf.d/10.conf': reg('b.io', 'system-d'),
      'home/.config/containers/registries.conf': reg('a.io', 'user'),
      'env.conf': reg('a.io', 'env'),
    });
    const paths = { systemFile: `${root}/etc/registries.conf`, systemDir: `${root}/etc/registries.conf.d` };
    const config = loadRegistriesConf(registriesConfFiles(paths, { HOME: `${root}/home`, CONTAINERS_REGISTRIES_CONF: `${root}/env.conf` }));
    assert.deepEqual(config.registries.map((r) => `${r.prefix}=${r.mirrors[0]?.location}`), ['a.io=env', 'b.io=system-d']);
    assert.throws(() => loadRegistriesConf(registriesConfFiles(paths, { HOME: `${root}/home`, CONTAINERS_REGISTRIES_CONF: `${root}/missing.conf` })), /missing\.conf: cannot be read/);
  });

  it('a missing default file is an empty configuration; a broken one is an error naming the file and line', () => {
    const root = tree({ 'home/.keep': '' });
    assert.deepEqual(loadRegistriesConf(registriesConfFiles({ systemFile: `${root}/none`, systemDir: `${root}/none.d` }, { HOME: `${root}/home` })).registries, []);
    const broken = tree({ 'etc/registries.conf': '[[registry]]\nlocation = quay.io\n' });
    assert.throws(
      () => loadRegistriesConf(registriesConfFiles({ systemFile: `${broken}/etc/registries.conf`, systemDir: `${broken}/none.d` }, { HOME: `${broken}/home` })),
      /registries configuration .*registries\.conf: line 2: "quay.io" is not a TOML value/,
    );
  });
});

describe('TOML subset', () => {
  it('parses what registries.conf files hold', () => {
    const doc = parseToml(`# c
a = "x\\ty" # trailing
b = 'lit\\eral'
c = [ "1", 'two',
  # inside
  "3", ]
d.e = true
f = { g = 1, h = "i" }
m = """
line1
line2"""
[t]
k = 1_000
[[arr]]
x = 1
[[arr]]
x = 2
[[arr.sub]]
y = 3
`);
    assert.deepEqual(doc, {
      a: 'x\ty', b: 'lit\\eral', c: ['1', 'two', '3'], d: { e: true }, f: { g: 1, h: 'i' }, m: 'line1\nline2',
      t: { k: 1000 }, arr: [{ x: 1 }, { x: 2, sub: [{ y: 3 }] }],
    });
  });
  it('refuses duplicate keys and tables, and unquoted strings', () => {
    assert.throws(() => parseToml('a = 1\na = 2\n'), /line 2: key a is defined twice/);
    assert.throws(() => parseToml('[t]\n[t]\n'), /table \[t\] is defined twice/);
    assert.throws(() => parseToml('a = b\n'), /not a TOML value/);
  });
});

describe('IDMS/ICSP files (oc --idms-file/--icsp-file)', () => {
  const idms = `apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: a}
spec:
  imageDigestMirrors:
  - source: quay.io/okd
    mirrors: [mirror.local/okd, backup.local/okd]
  - source: quay.io/okd/scos-content
    mirrors: [content.local/scos-content]
---
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: b}
spec:
  imageDigestMirrors:
  - source: registry.ci.openshift.org/origin
    mirrors: [ci.local/origin]
    mirrorSourcePolicy: NeverContactSource
`;
  const rules = parseDigestMirrors('idms', idms);

  it('a source covers its sub-repositories, the rest of the path going to each mirror, in file order', () => {
    assert.deepEqual(digestMirrorsFor(rules, 'quay.io/okd/scos-content'), {
      mirrors: ['mirror.local/okd/scos-content', 'backup.local/okd/scos-content', 'content.local/scos-content'],
      contactSource: true,
    });
    assert.deepEqual(digestMirrorsFor(rules, 'quay.io/okdx/y'), { mirrors: [], contactSource: true });
  });

  it('NeverContactSource leaves the source out', () => {
    assert.deepEqual(digestMirrorsFor(rules, 'registry.ci.openshift.org/origin/release'), { mirrors: ['ci.local/origin/release'], contactSource: false });
  });

  it('ICSP spec.repositoryDigestMirrors', () => {
    const icsp = parseDigestMirrors('icsp', 'apiVersion: operator.openshift.io/v1alpha1\nkind: ImageContentSourcePolicy\nspec:\n  repositoryDigestMirrors:\n  - source: quay.io/okd/scos-release\n    mirrors: [m.local/release]\n');
    assert.deepEqual(digestMirrorsFor(icsp, 'quay.io/okd/scos-release').mirrors, ['m.local/release']);
  });

  it('refuses other kinds, bad policies and conflicting policies for one source', () => {
    assert.throws(() => parseDigestMirrors('idms', 'apiVersion: v1\nkind: ConfigMap\n', 'f.yaml'), /--idms-file f\.yaml: the document is a ConfigMap/);
    assert.throws(() => parseDigestMirrors('icsp', idms, 'f.yaml'), /not a ImageContentSourcePolicy/);
    assert.throws(() => parseDigestMirrors('idms', idms.replace('NeverContactSource', 'Sometimes')), /mirrorSourcePolicy is "Sometimes"/);
    assert.throws(() => parseDigestMirrors('idms', ''), /is empty/);
    const conflict = parseDigestMirrors('idms', `${idms}---\napiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nspec:\n  imageDigestMirrors:\n  - source: registry.ci.openshift.org/origin\n    mirrors: [x.local/origin]\n    mirrorSourcePolicy: AllowContactingSource\n`);
    assert.throws(() => digestMirrorsFor(conflict, 'registry.ci.openshift.org/origin/x'), /both AllowContactingSource and NeverContactSource/);
  });

  it('MirrorPolicy: the source first, then the IDMS mirrors, for digests only', () => {
    const root = tree({ 'i.yaml': idms, 'empty.conf': '' });
    const policy = new MirrorPolicy({ registriesConf: { file: path.join(root, 'empty.conf') }, idmsFiles: [path.join(root, 'i.yaml')] });
    assert.deepEqual(policy.pullCandidates('quay.io', 'okd/scos-release', true).map((c) => `${c.registry}/${c.repository}`), [
      'quay.io/okd/scos-release',
      'mirror.local/okd/scos-release',
      'backup.local/okd/scos-release',
    ]);
    assert.deepEqual(policy.pullCandidates('quay.io', 'okd/scos-release', false).map((c) => `${c.registry}/${c.repository}`), ['quay.io/okd/scos-release']);
    assert.deepEqual(policy.pullCandidates('registry.ci.openshift.org', 'origin/release', true).map((c) => `${c.registry}/${c.repository}`), ['ci.local/origin/release']);
  });
});

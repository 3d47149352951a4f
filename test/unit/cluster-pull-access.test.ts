// Pull access as the kubelet decides it (which pull-secret credentials go to CRI-O for an image, in which order),
// and the global pull secret edits (merge one entry, undo it) as pure functions of the Secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusalOf } from '../../src/core/cluster/pullAccessProbe';
import { pullSecretKeyFor } from '../../src/core/cluster/pullSecretGlobal';
import { credentialsForImage, Keyring, keyMatchesImage, keyringKey, parseDockerConfig } from '../../src/core/cluster/pullSecretKeyring';
import {
  mergeGlobalPullSecret,
  planGlobalPullSecretUndo,
  PULL_SECRET_RECORD_ANNOTATION,
  PULL_SECRET_UNDO_KEY,
  readPullSecretRecord,
  type Secret,
} from '../../src/core/cluster/pullSecretMerge';
import { OkdError } from '../../src/core/errors';
import { applyJsonPatch } from '../support/cluster/jsonPatch';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const entry = (user: string, pass = 'pw') => ({ auth: b64(`${user}:${pass}`) });
const ring = (auths: Record<string, unknown>, source = 'global pull secret') => new Keyring().add(parseDockerConfig(JSON.stringify({ auths }), 'dockerconfigjson', source), source);
const users = (creds: { username: string }[]) => creds.map((c) => c.username);

describe('keyring keys and matching (k8s pkg/credentialprovider)', () => {
  it('normalises keys: scheme dropped, /v1/ and /v2/ dropped, host and path kept as written', () => {
    assert.equal(keyringKey('https://index.docker.io/v1/'), 'index.docker.io');
    assert.equal(keyringKey('http://quay.io/v2/'), 'quay.io');
    assert.equal(keyringKey('quay.io/okd'), 'quay.io/okd');
    assert.equal(keyringKey('https://registry.example.com:8443/team/'), 'registry.example.com:8443/team/');
    assert.equal(keyringKey('127.0.0.1:5000'), '127.0.0.1:5000');
  });

  it('matches host parts by glob, the port exactly and the path as a prefix', () => {
    assert.ok(keyMatchesImage('quay.io', 'quay.io/okd/scos-content'));
    assert.ok(keyMatchesImage('quay.io/okd', 'quay.io/okd/scos-content'));
    assert.ok(!keyMatchesImage('quay.io/other', 'quay.io/okd/scos-content'));
    assert.ok(keyMatchesImage('*.example.com', 'registry.example.com/a'));
    assert.ok(!keyMatchesImage('*.example.com', 'example.com/a'), 'a glob part matches one host part');
    assert.ok(!keyMatchesImage('*.example.com', 'a.b.example.com/a'));
    assert.ok(keyMatchesImage('registry.*.io', 'registry.k8s.io/x'));
    assert.ok(keyMatchesImage('127.0.0.1:5000', '127.0.0.1:5000/private/app'));
    assert.ok(!keyMatchesImage('127.0.0.1', '127.0.0.1:5000/private/app'), 'a key without a port does not match a host with one');
    assert.ok(!keyMatchesImage('127.0.0.1:5001', '127.0.0.1:5000/private/app'));
    assert.ok(!keyMatchesImage('fake', 'quay.io/okd/x'), "OKD's default placeholder matches nothing real");
  });

  it('returns every matching key, most specific first, then the node keyring', () => {
    const pod = ring({ 'quay.io': entry('pod-host'), 'quay.io/okd': entry('pod-ns'), 'quay.io/okd/scos-content': entry('pod-repo'), 'quay.io/other': entry('other') }, 'pull secret ns/a');
    const node = ring({ 'quay.io': entry('node-host'), '*.quay.io': entry('node-glob') });
    assert.deepEqual(users(credentialsForImage('quay.io/okd/scos-content', pod, node)), ['pod-repo', 'pod-ns', 'pod-host', 'node-host']);
    assert.deepEqual(credentialsForImage('quay.io/okd/scos-content', pod, node).map((c) => c.source), ['pull secret ns/a', 'pull secret ns/a', 'pull secret ns/a', 'global pull secret']);
  });

  it('keeps the credentials of several pod secrets under one key in secret order, and tries a repeated credential once', () => {
    const pod = new Keyring()
      .add(parseDockerConfig(JSON.stringify({ auths: { 'quay.io': entry('a') } }), 'dockerconfigjson', 's1'), 'pull secret ns/s1')
      .add(parseDockerConfig(JSON.stringify({ 'https://quay.io': entry('b') }), 'dockercfg', 's2'), 'pull secret ns/s2');
    const node = ring({ 'quay.io': entry('a') });
    const got = credentialsForImage('quay.io/x/y', pod, node);
    assert.deepEqual(got.map((c) => `${c.username}@${c.source}`), ['a@pull secret ns/s1', 'b@pull secret ns/s2']);
  });

  it("uses docker's legacy Hub key only when nothing else matched a Docker Hub image", () => {
    const node = ring({ 'https://index.docker.io/v1/': entry('hub') });
    assert.deepEqual(users(node.lookup('docker.io/library/busybox')), ['hub']);
    assert.deepEqual(users(ring({ 'https://index.docker.io/v1/': entry('hub'), 'docker.io': entry('io') }).lookup('docker.io/library/busybox')), ['io']);
    assert.deepEqual(users(node.lookup('quay.io/library/busybox')), []);
  });

  it('reads auth before username/password, skips empty entries, and refuses a malformed secret without quoting it', () => {
    const parsed = parseDockerConfig(JSON.stringify({ auths: { a: { auth: b64('u:p:q'), username: 'x', password: 'y' }, b: {}, c: { username: 'v', password: 'w' } } }), 'dockerconfigjson', 's');
    assert.deepEqual([...parsed], [['a', { username: 'u', password: 'p:q' }], ['c', { username: 'v', password: 'w' }]]);
    assert.throws(() => parseDockerConfig('{"auths": {"a": {"auth": "c2VjcmV0"}}}', 'dockerconfigjson', 'pull secret ns/s'), (e: OkdError) => e.kind === 'invalid-input' && !e.message.includes('c2VjcmV0'));
    assert.throws(() => parseDockerConfig('{not json secret', 'dockerconfigjson', 'pull secret ns/s'), (e: OkdError) => e.kind === 'invalid-input' && !e.message.includes('{not json'));
  });
});

describe('the global pull secret: merge one entry, undo it', () => {
  const original = '{"auths":{"quay.io":{"auth":"b3JnOnRva2Vu","email":"ops@example.com"},"registry.ci.openshift.org":{"auth":"Y2k6Y2k="}}}';
  const secret = (text = original, extra: Partial<Secret> = {}): Secret => ({
    metadata: { name: 'pull-secret', namespace: 'openshift-config', resourceVersion: '41', annotations: { 'kept.example.com/a': 'b' } },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(text) },
    ...extra,
  });
  const me = { username: 'me', password: 's3cret:pw' };
  const now = new Date('2026-12-01T10:00:00Z');
  const auths = (s: Secret) => (JSON.parse(unb64(s.data?.['.dockerconfigjson'] ?? '')) as { auths: Record<string, unknown> }).auths;

  it('adds the entry, keeps every other one, guards with test ops and records only the key in the annotation', () => {
    const change = mergeGlobalPullSecret(secret(), 'quay.io/me/operator', me, now);
    assert.equal(change.changed, true);
    assert.deepEqual(change.ops.slice(0, 2), [
      { op: 'test', path: '/metadata/resourceVersion', value: '41' },
      { op: 'test', path: '/data/.dockerconfigjson', value: b64(original) },
    ]);
    const after = applyJsonPatch(secret(), change.ops);
    const a = auths(after);
    assert.deepEqual(Object.keys(a), ['quay.io', 'registry.ci.openshift.org', 'quay.io/me/operator']);
    assert.deepEqual(a['quay.io'], { auth: 'b3JnOnRva2Vu', email: 'ops@example.com' });
    assert.deepEqual(a['quay.io/me/operator'], { auth: b64('me:s3cret:pw') });
    assert.deepEqual(readPullSecretRecord(after), { keys: ['quay.io/me/operator'], changedAt: now.toISOString() });
    assert.equal(after.metadata.annotations?.['kept.example.com/a'], 'b');
    assert.ok(!after.metadata.annotations?.[PULL_SECRET_RECORD_ANNOTATION]?.includes(b64('me:s3cret:pw')), 'no credential in the annotation');
    assert.ok(after.data?.[PULL_SECRET_UNDO_KEY]);
  });

  it('a test op fails when someone wrote the secret in between', () => {
    const change = mergeGlobalPullSecret(secret(), 'quay.io/me/operator', me, now);
    const raced = secret('{"auths":{"other.io":{"auth":"eDp5"}}}');
    assert.throws(() => applyJsonPatch(raced, change.ops), /test \/data\/.dockerconfigjson failed/);
  });

  it('is a no-op when the entry already holds the credentials', () => {
    const already = secret(JSON.stringify({ auths: { 'quay.io/me/operator': { auth: b64('me:s3cret:pw') } } }));
    assert.deepEqual(mergeGlobalPullSecret(already, 'quay.io/me/operator', me, now), { ops: [], changed: false, dockerconfigjson: unb64(already.data?.['.dockerconfigjson'] ?? '') });
  });

  it('undo puts the secret back byte for byte, annotations and data keys included', () => {
    const pretty = JSON.stringify(JSON.parse(original), null, 2) + '\n';
    const before = secret(pretty);
    let s = applyJsonPatch(before, mergeGlobalPullSecret(before, 'quay.io', me, now).ops);
    assert.deepEqual(auths(s)['quay.io'], { auth: b64('me:s3cret:pw') }, 'replaced');
    s = applyJsonPatch({ ...s, metadata: { ...s.metadata, resourceVersion: '42' } }, mergeGlobalPullSecret({ ...s, metadata: { ...s.metadata, resourceVersion: '42' } }, '127.0.0.1:5000', me, now).ops);
    const undo = planGlobalPullSecretUndo(s, undefined, now);
    assert.equal(undo.exact, true);
    assert.deepEqual(undo.restored.sort(), ['127.0.0.1:5000', 'quay.io']);
    const restored = applyJsonPatch(s, undo.ops);
    assert.deepEqual(restored, { ...before, metadata: { ...before.metadata, resourceVersion: s.metadata.resourceVersion } });
    assert.equal(unb64(restored.data?.['.dockerconfigjson'] ?? ''), pretty);
  });

  it('undo restores the replaced entry and removes the added one, keeping what someone else changed since', () => {
    let s = applyJsonPatch(secret(), mergeGlobalPullSecret(secret(), 'quay.io', me, now).ops);
    s = applyJsonPatch(s, mergeGlobalPullSecret(s, 'quay.io/me/operator', me, now).ops);
    // Someone else adds an entry afterwards (oc set data), so the bytes from before are no longer a safe restore.
    const theirs = JSON.parse(unb64(s.data?.['.dockerconfigjson'] ?? '')) as { auths: Record<string, unknown> };
    theirs.auths['mirror.example.com'] = entry('mirror');
    s = { ...s, data: { ...s.data, '.dockerconfigjson': b64(JSON.stringify(theirs)) } };
    const undo = planGlobalPullSecretUndo(s, undefined, now);
    assert.equal(undo.exact, false);
    const after = applyJsonPatch(s, undo.ops);
    assert.deepEqual(auths(after), { 'quay.io': { auth: 'b3JnOnRva2Vu', email: 'ops@example.com' }, 'registry.ci.openshift.org': { auth: 'Y2k6Y2k=' }, 'mirror.example.com': entry('mirror') });
    assert.equal(after.metadata.annotations?.[PULL_SECRET_RECORD_ANNOTATION], undefined);
    assert.equal(after.data?.[PULL_SECRET_UNDO_KEY], undefined);
  });

  it('undo of one key keeps the other recorded, and leaves an entry someone rewrote', () => {
    let s = applyJsonPatch(secret(), mergeGlobalPullSecret(secret(), 'a.example.com', me, now).ops);
    s = applyJsonPatch(s, mergeGlobalPullSecret(s, 'b.example.com', me, now).ops);
    const one = planGlobalPullSecretUndo(s, ['a.example.com'], now);
    assert.deepEqual([one.restored, one.left], [['a.example.com'], []]);
    s = applyJsonPatch(s, one.ops);
    assert.deepEqual(readPullSecretRecord(s)?.keys, ['b.example.com']);
    assert.equal(auths(s)['a.example.com'], undefined);
    const rewritten = JSON.parse(unb64(s.data?.['.dockerconfigjson'] ?? '')) as { auths: Record<string, unknown> };
    rewritten.auths['b.example.com'] = entry('someone-else');
    s = { ...s, data: { ...s.data, '.dockerconfigjson': b64(JSON.stringify(rewritten)) } };
    const rest = planGlobalPullSecretUndo(s, undefined, now);
    assert.deepEqual([rest.restored, rest.left], [[], ['b.example.com']]);
    s = applyJsonPatch(s, rest.ops);
    assert.deepEqual(auths(s)['b.example.com'], entry('someone-else'));
    assert.equal(readPullSecretRecord(s), undefined);
  });

  it('creates data and annotations when the secret has none, and undo takes them out again', () => {
    const bare: Secret = { metadata: { name: 'pull-secret', namespace: 'openshift-config', resourceVersion: '7' }, type: 'kubernetes.io/dockerconfigjson' };
    const after = applyJsonPatch(bare, mergeGlobalPullSecret(bare, 'quay.io', me, now).ops);
    assert.deepEqual(auths(after), { 'quay.io': { auth: b64('me:s3cret:pw') } });
    const undone = applyJsonPatch(after, planGlobalPullSecretUndo(after, undefined, now).ops);
    assert.deepEqual(undone.data, {});
    assert.deepEqual(undone.metadata.annotations, {});
  });

  it('undo with nothing recorded changes nothing', () => {
    assert.deepEqual(planGlobalPullSecretUndo(secret(), undefined, now).ops, []);
  });

  it('refuses a .dockerconfigjson that is not JSON without quoting it', () => {
    assert.throws(() => mergeGlobalPullSecret(secret('{"auths": secret-text'), 'quay.io', me, now), (e: OkdError) => e.kind === 'invalid-input' && !e.message.includes('secret-text'));
  });
});

describe('pull access helpers', () => {
  it('keys a repository by default, the registry when asked', () => {
    assert.equal(pullSecretKeyFor('quay.io/me/operator:dev'), 'quay.io/me/operator');
    assert.equal(pullSecretKeyFor('quay.io/me/operator@sha256:' + 'a'.repeat(64), 'registry'), 'quay.io');
    assert.equal(pullSecretKeyFor('busybox'), 'docker.io/library/busybox');
  });

  it("words the registry's refusal with its status and without the temporary auth file", () => {
    assert.deepEqual(refusalOf(new OkdError('unauthorized', 'credentials for 127.0.0.1:5000 were rejected (from /cache/tmp/pull-access-x/auth.json)')), {
      kind: 'unauthorized',
      reason: '401 Unauthorized: credentials for 127.0.0.1:5000 were rejected',
    });
    assert.equal(refusalOf(new OkdError('not-found', 'tag dev not found in q/x')).reason, '404 Not Found: tag dev not found in q/x');
    assert.equal(refusalOf(new OkdError('unreachable', 'registry q did not answer')).reason, 'registry q did not answer');
  });
});

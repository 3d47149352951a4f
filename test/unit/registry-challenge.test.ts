import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges, pickChallenge } from '../../src/core/registry';

describe('WWW-Authenticate parsing', () => {
  it('parses a Bearer challenge with quoted values holding commas', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:okd/scos:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://quay.io/v2/auth', service: 'quay.io', scope: 'repository:okd/scos:pull,push' } },
    ]);
  });

  it('parses Basic, unquoted values, spaces and escapes', () => {
    assert.deepEqual(parseChallenges('Basic realm="Registry \\"Realm\\""'), [{ scheme: 'basic', params: { realm: 'Registry "Realm"' } }]);
    assert.deepEqual(parseChallenges('Bearer realm = https://auth.example/token , service=registry.example'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example' } },
    ]);
  });

  it('parses several challenges and prefers Bearer', () => {
    const challenges = parseChallenges('Basic realm="basic", Bearer realm="https://a/token",service="svc",error="insufficient_scope"');
    assert.deepEqual(challenges.map((c) => c.scheme), ['basic', 'bearer']);
    assert.equal(challenges[1]?.params.error, 'insufficient_scope');
    assert.equal(pickChallenge(challenges)?.scheme, 'bearer');
    assert.equal(pickChallenge(parseChallenges('Basic realm="x"'))?.scheme, 'basic');
  });

  it('tolerates empty and odd headers', () => {
    assert.deepEqual(parseChallenges(''), []);
    assert.equal(pickChallenge(parseChallenges('Negotiate')), undefined);
    assert.deepEqual(parseChallenges('realm="x", Bearer realm="y"'), [{ scheme: 'bearer', params: { realm: 'y' } }]);
  });
});

// The cluster's own registry as pure functions: which pullspec the pods run for an image pushed through the route,
// which hostnames are the internal registry, and whose ServiceAccount a pull secret's token is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { internalPullspec, isInternalRegistryHost } from '../../src/core/cluster/clusterRegistry';
import { serviceAccountOfToken } from '../../src/core/cluster/pullAccessInternal';

const registry = { internal: 'image-registry.openshift-image-registry.svc:5000', route: 'default-route-openshift-image-registry.apps.example.com' };
const digest = `sha256:${'a'.repeat(64)}`;

describe('the cluster registry', () => {
  it('an image pushed through the route runs through the internal hostname, by digest', () => {
    assert.equal(internalPullspec(`${registry.route}/ns/op@${digest}`, registry), `${registry.internal}/ns/op@${digest}`);
    assert.equal(internalPullspec(`quay.io/me/op@${digest}`, registry), `quay.io/me/op@${digest}`, 'another registry is left alone');
  });

  it('knows the internal hostnames, and the one a cluster reports', () => {
    assert.ok(isInternalRegistryHost('image-registry.openshift-image-registry.svc:5000'));
    assert.ok(isInternalRegistryHost('image-registry.openshift-image-registry.svc.cluster.local:5000'));
    assert.ok(isInternalRegistryHost('registry.internal:5000', { internal: 'registry.internal:5000' }));
    assert.ok(!isInternalRegistryHost(registry.route));
  });

  it('reads the ServiceAccount of a bound token, and nothing from other tokens', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:openshift-foo:foo-operator' })).toString('base64url');
    assert.deepEqual(serviceAccountOfToken(`eyJhbGciOiJFUzI1NiJ9.${payload}.c2ln`), { namespace: 'openshift-foo', name: 'foo-operator' });
    assert.equal(serviceAccountOfToken('sha256~opaque-user-token'), undefined);
    const user = Buffer.from(JSON.stringify({ sub: 'kube:admin' })).toString('base64url');
    assert.equal(serviceAccountOfToken(`x.${user}.y`), undefined);
  });
});

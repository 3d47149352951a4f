// A 403 keeps the server's words: RBAC gets the "may not" summary and the cluster-admin hint; an admission
// webhook or a ValidatingAdmissionPolicy gets its own message, and no advice that more rights would help.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterError, type RequestWhat } from '../../src/core/cluster/errors';
import { ApiStatusError } from '../../src/core/cluster/request';

const where = { context: 'dev', server: 'https://api.example:6443', user: 'developer' };
const patchDeployment: RequestWhat = { verb: 'patch', resource: 'deployments.apps', namespace: 'openshift-monitoring', name: 'cluster-monitoring-operator' };
const forbidden = (message: string) => new ApiStatusError(403, { kind: 'Status', status: 'Failure', reason: 'Forbidden', message, code: 403 } as { message: string });

describe('clusterError on 403', () => {
  it('summarises a plain RBAC denial, keeps its message, and suggests cluster-admin', () => {
    const text = 'deployments.apps "cluster-monitoring-operator" is forbidden: User "viewer" cannot patch resource "deployments" in API group "apps" in the namespace "openshift-monitoring"';
    const err = clusterError(forbidden(text), patchDeployment, where);
    assert.equal(err.kind, 'forbidden');
    assert.equal(err.message, `user viewer may not patch deployments.apps "openshift-monitoring/cluster-monitoring-operator" (context dev): ${text}`);
    assert.equal(err.hint, 'use a context with cluster-admin rights');
  });

  it('shows an admission webhook denial as the server wrote it, without the cluster-admin hint', () => {
    const text = 'admission webhook "validate.policy.example.com" denied the request: image quay.io/me/op is not from an allowed registry';
    const err = clusterError(forbidden(text), patchDeployment, where);
    assert.equal(err.kind, 'forbidden');
    assert.equal(err.message, `patch deployments.apps "openshift-monitoring/cluster-monitoring-operator" was denied (context dev): ${text}`);
    assert.equal(err.hint, undefined);
    assert.equal(err.describe(), err.message);
  });

  it('shows a ValidatingAdmissionPolicy denial (which also says "is forbidden") without the cluster-admin hint', () => {
    const text =
      "deployments.apps \"cluster-monitoring-operator\" is forbidden: ValidatingAdmissionPolicy 'no-dev-images' with binding 'no-dev-images-binding' denied request: failed expression: !object.spec.template.spec.containers.exists(c, c.image.startsWith('quay.io/me/'))";
    const err = clusterError(forbidden(text), patchDeployment, where);
    assert.ok(err.message.endsWith(text), err.message);
    assert.ok(!err.message.startsWith('user '), err.message);
    assert.equal(err.hint, undefined);
  });

  it('keeps the Status message of a client-node ApiException (its body as JSON text)', () => {
    const text = 'clusterversions.config.openshift.io "version" is forbidden: User "viewer" cannot patch resource "clusterversions" in API group "config.openshift.io" at the cluster scope';
    const apiException = Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: text, code: 403 }) });
    const err = clusterError(apiException, { verb: 'patch', resource: 'clusterversions.config.openshift.io', name: 'version' }, where);
    assert.equal(err.describe(), `user viewer may not patch clusterversions.config.openshift.io "version" (context dev): ${text}. Use a context with cluster-admin rights`);
  });

  it('says so when the server gave no reason', () => {
    const err = clusterError(new ApiStatusError(403, {}), patchDeployment, where);
    assert.equal(err.message, 'user developer may not patch deployments.apps "openshift-monitoring/cluster-monitoring-operator" (context dev); the server gave no reason');
    assert.equal(err.hint, undefined);
  });
});

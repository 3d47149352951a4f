// What the editor's diff shows for one object: the cluster's object and what applying the checkout's manifest makes
// of it, as YAML without the API server's own fields, so the two sides differ exactly where apply writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/core/manifests/objects';
import { objectViews } from '../../src/core/manifests/view';

const role = (resources: string[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'op', namespace: 'ns', annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true' }, ...extra },
  rules: [{ apiGroups: [''], resources, verbs: ['get'] }],
});

describe('manifests view', () => {
  it('a changed object: the live object on the left, the live object with the manifest written on the right; server fields gone', () => {
    const live = role(['configmaps'], { uid: 'u-1', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'cvo' }], labels: { keep: 'me' } });
    const views = objectViews({ live, rendered: role(['configmaps', 'secrets']) });
    for (const side of [views.cluster, views.checkout]) {
      assert.doesNotMatch(side, /uid|resourceVersion|creationTimestamp|managedFields/);
      assert.match(side, /keep: me/, 'fields the manifest does not own stay on both sides');
    }
    assert.doesNotMatch(views.cluster, /secrets/);
    assert.match(views.checkout, /- secrets/);
    const left = views.cluster.split('\n');
    const added = views.checkout.split('\n').filter((line) => {
      const at = left.indexOf(line);
      if (at < 0) return true;
      left.splice(at, 1);
      return false;
    });
    assert.deepEqual(added, ['      - secrets'], 'the one line apply adds');
    assert.deepEqual(left, [], 'and nothing it removes');
  });

  it('a new object: nothing on the left, the rendered manifest on the right', () => {
    const views = objectViews({ rendered: role(['pods']) });
    assert.equal(views.cluster, '');
    assert.match(views.checkout, /^apiVersion: rbac\.authorization\.k8s\.io\/v1\nkind: Role\n/);
    assert.match(views.checkout, /- pods/);
  });
});

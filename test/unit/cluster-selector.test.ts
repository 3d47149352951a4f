// spec.selector as the labelSelector a LIST takes, written as apimachinery's LabelSelectorAsSelector(...).String()
// writes it (requirements sorted by key, values sorted).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelSelectorString } from '../../src/core/cluster/selector';

describe('labelSelectorString', () => {
  it('writes matchLabels as key=value', () => {
    assert.equal(labelSelectorString({ matchLabels: { name: 'cluster-image-registry-operator' } }), 'name=cluster-image-registry-operator');
    assert.equal(labelSelectorString({ matchLabels: { 'k8s-app': 'machine-config-daemon', app: 'mcd' } }), 'app=mcd,k8s-app=machine-config-daemon');
  });

  it('writes In, NotIn, Exists and DoesNotExist as kubectl does', () => {
    const selector = {
      matchLabels: { 'app.kubernetes.io/name': 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['decoy', 'canary'] },
        { key: 'app', operator: 'In', values: ['web', 'api'] },
        { key: 'okd.dev/track', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    assert.equal(labelSelectorString(selector), 'app in (api,web),app.kubernetes.io/name=web,!canary,okd.dev/track,tier notin (canary,decoy)');
  });

  it('keeps matchLabels before an expression of the same key', () => {
    assert.equal(labelSelectorString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }), 'app=web,app in (web)');
  });

  it('selects everything for an empty selector', () => {
    assert.equal(labelSelectorString({}), '');
    assert.equal(labelSelectorString(undefined), '');
  });

  it('refuses what the API server would refuse: an unknown operator, In without values', () => {
    assert.throws(() => labelSelectorString({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, 'the selector of Deployment ns/web'), {
      message: 'the selector of Deployment ns/web has a matchExpression with the operator "Gt", which is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)',
    });
    assert.throws(() => labelSelectorString({ matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }), /"app In" without values/);
  });
});

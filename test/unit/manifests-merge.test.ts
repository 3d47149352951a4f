// The CVO's view of an object, as pure functions: owned fields per kind, holds (with server defaults), the changed
// paths, the object written, a patched workload's image kept, and putting recorded fields back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffObject, followPatchedImages, getPath, holds, holdsPrevious, mergeObject, ownedFields, previousFields, putBack, formatPath } from '../../src/core/manifests/merge';
import type { KubeObject } from '../../src/core/manifests/objects';

const crd = (props: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'things.example.com', annotations: { a: '1' } },
  spec: { group: 'example.com', names: { kind: 'Thing', plural: 'things' }, scope: 'Cluster', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: props } } }] },
});

const deployment = (env: { name: string; value?: string; valueFrom?: unknown }[], image = 'quay.io/x@sha256:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'op', namespace: 'ns' },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'op', image, args: ['--v=2'], env }] } } },
});

describe('manifests merge', () => {
  it('holds: extra live keys (server defaults) are fine, lists need equal length, missing zero values hold', () => {
    assert.equal(holds({ a: 1, b: 2 }, { a: 1 }), true);
    assert.equal(holds([{ a: 1, x: 0 }], [{ a: 1 }]), true);
    assert.equal(holds([1, 2], [1]), false);
    assert.equal(holds(undefined, ''), true);
    assert.equal(holds(undefined, {}), true);
    assert.equal(holds(undefined, 'x'), false);
  });

  it('a CRD with a new field: one precise path; the server-defaulted live CRD is unchanged otherwise', () => {
    const live = crd({ logLevel: { type: 'string' } });
    (live['spec'] as Record<string, unknown>)['conversion'] = { strategy: 'None' };
    ((live['spec'] as { names: Record<string, unknown> }).names)['listKind'] = 'ThingList';
    live.metadata.resourceVersion = '5';
    assert.deepEqual(diffObject(crd({ logLevel: { type: 'string' } }), live), []);
    const changes = diffObject(crd({ logLevel: { type: 'string' }, cacheSize: { type: 'string' } }), live);
    assert.deepEqual(changes, [{ path: 'spec.versions[v1].schema.openAPIV3Schema.properties.cacheSize', rendered: { type: 'string' } }]);
    const merged = mergeObject(crd({ logLevel: { type: 'string' }, cacheSize: { type: 'string' } }), live);
    assert.equal(merged.metadata.resourceVersion, '5', 'written as an update of the live object');
    assert.deepEqual(getPath(merged, ['spec', 'versions', { name: 'v1 ' }]), undefined);
    assert.deepEqual(Object.keys((getPath(merged, ['spec', 'versions']) as { schema: { openAPIV3Schema: { properties: object } } }[])[0]?.schema.openAPIV3Schema.properties ?? {}), ['logLevel', 'cacheSize']);
    assert.equal(getPath(merged, ['spec', 'conversion']), undefined, 'a CRD spec is replaced whole, as the CVO does (the API server defaults it again)');
  });

  it('a Role with a new rule: rules replaced as a whole', () => {
    const role = (rules: unknown[]): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns' }, rules });
    const one = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }];
    const two = [...one, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }];
    assert.deepEqual(ownedFields(role(two), role(one)).map((f) => formatPath(f.path)), ['rules']);
    assert.deepEqual(diffObject(role(two), role(one)).map((c) => c.path), ['rules']);
    assert.deepEqual(mergeObject(role(two), role(one))['rules'], two);
  });

  it('a Deployment: env, args and command of named containers; the API server\'s fieldRef apiVersion does not count', () => {
    const live = deployment([{ name: 'RELEASE_VERSION', value: '4.19' }, { name: 'NS', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } }]);
    const same = deployment([{ name: 'RELEASE_VERSION', value: '4.19' }, { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    assert.deepEqual(diffObject(same, live), []);
    const more = deployment([{ name: 'RELEASE_VERSION', value: '4.19' }, { name: 'DEV', value: 'on' }, { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    assert.deepEqual(diffObject(more, live).map((c) => c.path), ['spec.template.spec.containers[op].env']);
    const merged = mergeObject(more, live);
    assert.deepEqual((getPath(merged, ['spec', 'template', 'spec', 'containers', { name: 'op' }, 'env']) as { name: string }[]).map((e) => e.name), ['RELEASE_VERSION', 'DEV', 'NS']);
    // The replicas a user scaled to are not the CVO's business here: only containers are owned.
    assert.deepEqual(diffObject({ ...more, spec: { ...(more['spec'] as object), replicas: 3 } }, live).map((c) => c.path), ['spec.template.spec.containers[op].env']);
  });

  it('a patched workload keeps its image: env that carried the payload image compares with the live one', () => {
    const payload = 'quay.io/x@sha256:1';
    const dev = 'quay.io/me/x@sha256:2';
    const live = deployment([{ name: 'OPERATOR_IMAGE', value: dev }], dev);
    const rendered = deployment([{ name: 'OPERATOR_IMAGE', value: payload }], payload);
    assert.deepEqual(diffObject(followPatchedImages(rendered, live), live), []);
  });

  it('ConfigMap data key by key, labels and annotations key by key, other kinds field by field', () => {
    const cm = (data: Record<string, string>, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', annotations }, data });
    assert.deepEqual(diffObject(cm({ a: '1' }), cm({ a: '1', b: '2' }, { other: 'x' })), []);
    assert.deepEqual(diffObject(cm({ a: '2' }, { mine: 'y' }), cm({ a: '1' })).map((c) => c.path), ['metadata.annotations.mine', 'data.a']);
    assert.deepEqual(diffObject(cm({ 'config.yaml': 'x' }), cm({})).map((c) => c.path), ['data["config.yaml"]']);
    const svc = (port: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { ports: [{ port }] } });
    assert.deepEqual(diffObject(svc(81), { ...svc(80), spec: { ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.0.0.1' } }).map((c) => c.path), ['spec.ports[0].port']);
  });

  it('records the previous fields and puts them back, absent ones removed', () => {
    const live: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', resourceVersion: '9' }, data: { a: '1' } };
    const rendered: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: { l: 'x' } }, data: { a: '2', b: '3' } };
    const previous = previousFields(rendered, live);
    assert.deepEqual(previous, [{ path: ['metadata', 'labels', 'l'], value: null }, { path: ['data', 'a'], value: '1' }, { path: ['data', 'b'], value: null }]);
    const applied = mergeObject(rendered, live);
    assert.deepEqual(applied['data'], { a: '2', b: '3' });
    assert.equal(holdsPrevious(applied, previous), false);
    const back = putBack(applied, previous);
    assert.deepEqual(back['data'], { a: '1' });
    assert.deepEqual(back.metadata.labels, {});
    assert.equal(holdsPrevious(back, previous), true);
  });
});

// The operand patch's pure parts: finding an operand's references in payload manifests (env, args, ConfigMap
// data), telling operands from operators, and the guarded JSON patches (applied to the objects as the API server
// would store them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editsAreBack, editsBackPatch, findPayloadReferences, forgetOperandRecordPatch, isOperand, type LiveObject, planObjectPatch, rewriteReferences } from '../../src/core/cluster/operand';
import { OPERAND_PATCHED_LABEL, OPERAND_RECORD_ANNOTATION, readOperandRecord } from '../../src/core/cluster/record';
import { loadJsYaml } from '../../src/core/lazyModules';
import { applyJsonPatch } from '../support/cluster/jsonPatch';
import { OPERAND_COMPONENTS, type OperandComponent, operandManifests } from '../support/cluster/operands';

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const images = Object.fromEntries(OPERAND_COMPONENTS.map((name, i) => [name, `quay.io/okd/scos-content@${digest(i + 1)}`])) as Record<OperandComponent, string>;
const files = operandManifests(images);
const NEW = `127.0.0.1:5000/dev/x@${digest(9)}`;

function liveOf(file: string): LiveObject {
  const doc = loadJsYaml().load(files[file] as string) as LiveObject;
  return { ...doc, metadata: { ...doc.metadata, resourceVersion: '7' } };
}

describe('operand references in payload manifests', () => {
  it('finds the env var, the argument and the ConfigMap key; the operator itself is no operand', () => {
    const env = findPayloadReferences(files, images['multus-cni']);
    assert.deepEqual(env.map((r) => [r.object, r.edits]), [[{ kind: 'Deployment', group: 'apps', namespace: 'openshift-network-operator', name: 'network-operator' }, [{ field: 'env', container: 'operator', key: 'MULTUS_IMAGE', from: images['multus-cni'] }]]]);
    const args = findPayloadReferences(files, images.prometheus);
    assert.deepEqual(args[0]?.edits, [{ field: 'args', container: 'operator', index: 1, from: `-images=prometheus=${images.prometheus}` }]);
    const cm = findPayloadReferences(files, images['keepalived-ipfailover']);
    assert.deepEqual(cm.map((r) => [r.object.kind, r.object.name, r.edits.map((e) => [e.field, e.key])]), [['ConfigMap', 'machine-config-operator-images', [['data', 'images.json']]]]);
    assert.ok(isOperand(env) && isOperand(args) && isOperand(cm));

    const operator = findPayloadReferences(files, images['cluster-network-operator']);
    assert.deepEqual(operator[0]?.edits.map((e) => [e.field, e.key, e.self]), [['image', undefined, undefined], ['env', 'OPERATOR_IMAGE', true]]);
    assert.equal(isOperand(operator), false);
    // The MCO's own pullspec is in its images.json too: an operand-like reference, so it is patched everywhere.
    assert.equal(isOperand(findPayloadReferences(files, images['machine-config-operator'])), true);
  });

  it('rewrites a pullspec by digest wherever it stands, and leaves other text alone', () => {
    const old = images.prometheus;
    assert.equal(rewriteReferences(`-images=prometheus=${old}`, [old], NEW), `-images=prometheus=${NEW}`);
    assert.equal(rewriteReferences(`{"a": "mirror.example/okd@${digest(4)}", "b": "${images['prometheus-alertmanager']}"}`, [old], NEW), `{"a": "${NEW}", "b": "${images['prometheus-alertmanager']}"}`);
    assert.equal(rewriteReferences('--image=quay.io/x:v1,other', ['quay.io/x:v1'], NEW), `--image=${NEW},other`);
  });
});

describe('planObjectPatch', () => {
  it('rewrites an argument behind tests, records the payload text, and the edits go back', () => {
    const file = '0000_50_cluster-monitoring-operator_05-deployment.yaml';
    const live = liveOf(file);
    const [reference] = findPayloadReferences(files, images.prometheus);
    const override = { kind: 'Deployment', group: 'apps', namespace: 'openshift-monitoring', name: 'cluster-monitoring-operator', unmanaged: true };
    const plan = planObjectPatch(live, reference as NonNullable<typeof reference>, 'prometheus', images.prometheus, NEW, { override }, new Date('2026-01-01T00:00:00Z'));
    const patched = applyJsonPatch(live, plan.ops);
    const args = patched.spec?.template?.spec?.containers?.[0]?.args;
    assert.deepEqual(args, ['-namespace=openshift-monitoring', `-images=prometheus=${NEW}`, `-images=alertmanager=${images['prometheus-alertmanager']}`]);
    const record = readOperandRecord(patched);
    assert.deepEqual(record?.edits, [{ field: 'args', container: 'operator', index: 1, from: `-images=prometheus=${images.prometheus}`, to: `-images=prometheus=${NEW}` }]);
    assert.deepEqual(record?.override, override);
    assert.equal(patched.metadata.labels?.[OPERAND_PATCHED_LABEL], 'true');

    // Patched again with another image: the record keeps the payload's text; the live text is what is replaced.
    const NEWER = `127.0.0.1:5000/dev/x@${digest(8)}`;
    const again = planObjectPatch(patched, reference as NonNullable<typeof reference>, 'prometheus', images.prometheus, NEWER);
    const twice = applyJsonPatch(patched, again.ops);
    assert.equal(twice.spec?.template?.spec?.containers?.[0]?.args?.[1], `-images=prometheus=${NEWER}`);
    assert.equal(readOperandRecord(twice)?.edits[0]?.from, `-images=prometheus=${images.prometheus}`);
    assert.deepEqual(readOperandRecord(twice)?.override, override, 'the override of the first patch stays ours');
    assert.deepEqual(again.replaced, [`-images=prometheus=${NEW}`]);

    const back = applyJsonPatch(twice, [...editsBackPatch(twice, readOperandRecord(twice)?.edits ?? []), ...forgetOperandRecordPatch(twice)]);
    assert.ok(editsAreBack(back, record?.edits ?? []));
    assert.equal(back.metadata.annotations?.[OPERAND_RECORD_ANNOTATION], undefined);
    assert.equal(back.metadata.labels?.[OPERAND_PATCHED_LABEL], undefined);
  });

  it('rewrites a ConfigMap key and an env var; a live object without the reference is refused before any change', () => {
    const cmFile = '0000_80_machine-config_02-images.configmap.yaml';
    const cm = liveOf(cmFile);
    const [cmRef] = findPayloadReferences(files, images['keepalived-ipfailover']);
    const cmPatched = applyJsonPatch(cm, planObjectPatch(cm, cmRef as NonNullable<typeof cmRef>, 'keepalived-ipfailover', images['keepalived-ipfailover'], NEW).ops);
    const json = JSON.parse(cmPatched.data?.['images.json'] as string) as Record<string, string>;
    assert.deepEqual(json, { releaseVersion: '0.0.1', machineConfigOperator: images['machine-config-operator'], keepalivedImage: NEW });
    assert.equal(cmPatched.metadata.annotations !== undefined, true);

    const dFile = '0000_50_cluster-network-operator_03-deployment.yaml';
    const d = liveOf(dFile);
    const [envRef] = findPayloadReferences(files, images['multus-cni']);
    const dPatched = applyJsonPatch(d, planObjectPatch(d, envRef as NonNullable<typeof envRef>, 'multus-cni', images['multus-cni'], NEW).ops);
    assert.equal(dPatched.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === 'MULTUS_IMAGE')?.value, NEW);
    assert.equal(dPatched.spec?.template?.spec?.containers?.[0]?.image, images['cluster-network-operator']);

    const changed = structuredClone(d);
    const env = changed.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === 'MULTUS_IMAGE');
    if (env) env.value = 'quay.io/someone/else:latest';
    assert.throws(() => planObjectPatch(changed, envRef as NonNullable<typeof envRef>, 'multus-cni', images['multus-cni'], NEW), /Deployment openshift-network-operator\/network-operator has no env operator\/MULTUS_IMAGE holding/);
  });
});

// Builds release-manifests/ file maps from the real fixtures in /work/shared/fixtures, the way
// `oc adm release new` assembles a payload (new.go): operator manifests get a 0000_50_<tag>_ prefix when they have
// none, placeholder pullspecs listed in the operator's own image-references become the payload's digest pullspecs,
// and 0.0.1-snapshot becomes the release name.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BuildReleaseInput } from '../../src/core/release/operators';

export const FIXTURES = '/work/shared/fixtures';
export const PAYLOAD = path.join(FIXTURES, 'payload');
export const IMAGE_REFS_410 = path.join(PAYLOAD, 'ocp-4.10-image-references.json');
export const IMAGE_REFS_48 = path.join(PAYLOAD, 'ocp-4.8-image-references.json');
export const OPERATORS = ['cluster-image-registry-operator', 'cluster-samples-operator', 'cluster-monitoring-operator'];

export const read = (file: string) => readFileSync(file, 'utf8');

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

interface TagFrom {
  name: string;
  from: { name: string };
}

/** Payload tag name -> pullspec of an image-references document. */
export function payloadPullspecs(imageReferences: string): Map<string, string> {
  const is = JSON.parse(imageReferences) as { spec: { tags: TagFrom[] } };
  return new Map(is.spec.tags.map((t) => [t.name, t.from.name]));
}

/** The operator's manifests as they appear in a payload built from `imageReferences`. */
export function operatorManifests(operator: string, imageReferences: string, releaseName: string): Map<string, string> {
  const payload = payloadPullspecs(imageReferences);
  const own = parseYaml(read(path.join(FIXTURES, 'operator-image-references', `${operator}.image-references`))) as { spec: { tags: TagFrom[] } };
  const replacements: [string, string][] = [];
  for (const tag of own.spec.tags) {
    const target = payload.get(tag.name);
    if (target) replacements.push([tag.from.name, target]);
  }
  // longest placeholder first so origin-prometheus-operator is not rewritten through origin-prometheus
  replacements.sort((a, b) => b[0].length - a[0].length);
  const out = new Map<string, string>();
  const dir = path.join(FIXTURES, 'operator-manifests', operator);
  for (const file of readdirSync(dir).sort()) {
    let content = read(path.join(dir, file));
    for (const [from, to] of replacements) content = content.replace(new RegExp(`${escapeRe(from)}(?![\\w.:-])`, 'g'), to);
    content = content.replaceAll('0.0.1-snapshot', releaseName);
    out.set(file.startsWith('0000_') ? file : `0000_50_${operator}_${file}`, content);
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function metadataFor(version: string, previous: string[], extra: Record<string, string> = {}): string {
  return JSON.stringify({
    kind: 'cincinnati-metadata-v0',
    version,
    previous,
    next: [],
    metadata: { url: `https://example.com/${version}`, 'io.openshift.upgrades.graph.release.channels': 'candidate-4.10,fast-4.10', ...extra },
  });
}

export const NAME_410 = '4.10.0-0.nightly-2021-11-14-184249';
export const NAME_48 = '4.8.0-0.ci-2021-05-03-215023';

/** A 4.10 payload: real image-references, a release-metadata, the three real operators' manifests. */
export function payload410(extraFiles: Map<string, string> = new Map()): BuildReleaseInput {
  const refs = read(IMAGE_REFS_410);
  const files = new Map<string, string>([
    ['image-references', refs],
    ['release-metadata', metadataFor(NAME_410, ['4.9.0', '4.9.10', '4.9.2', NAME_48])],
  ]);
  for (const op of OPERATORS) for (const [k, v] of operatorManifests(op, refs, NAME_410)) files.set(k, v);
  for (const [k, v] of extraFiles) files.set(k, v);
  return {
    pullSpec: 'quay.io/openshift-release-dev/ocp-release:4.10.0-x86_64',
    digest: DIGEST_A,
    created: '2021-11-14T18:51:28.123456Z',
    os: 'linux',
    architecture: 'amd64',
    labels: { 'io.openshift.release': NAME_410 },
    files,
  };
}

export function payload48(): BuildReleaseInput {
  const refs = read(IMAGE_REFS_48);
  const files = new Map<string, string>([
    ['image-references', refs],
    ['release-metadata', metadataFor(NAME_48, ['4.7.9'])],
  ]);
  for (const op of OPERATORS) for (const [k, v] of operatorManifests(op, refs, NAME_48)) files.set(k, v);
  return {
    pullSpec: 'registry.ci.openshift.org/ocp/release:4.8.0-0.ci-2021-05-03-215023',
    digest: DIGEST_B,
    created: '2021-05-03T21:50:30Z',
    os: 'linux',
    architecture: 'amd64',
    labels: { 'io.openshift.release': NAME_48 },
    files,
  };
}

/**
 * ~700 manifests shaped like a real payload's: big CRDs, RBAC, ConfigMaps, and a Deployment per component-ish
 * operator referencing payload digest pullspecs in image and env.
 */
export function syntheticManifests(imageReferences: string, count = 700): Map<string, string> {
  const pullspecs = [...payloadPullspecs(imageReferences).values()];
  const crdBody = Array.from({ length: 400 }, (_, i) => `                field${i}:\n                  description: A field of a custom resource, described at length as CRDs are.\n                  type: string`).join('\n');
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const op = `synthetic-operator-${i % 60}`;
    const runlevel = String(10 + (i % 80)).padStart(2, '0');
    const kind = i % 7;
    let content: string;
    let file: string;
    if (kind === 0) {
      file = `0000_${runlevel}_${op}_00_crd-${i}.yaml`;
      content = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things${i}.example.openshift.io\nspec:\n  group: example.openshift.io\n  names:\n    kind: Thing${i}\n    plural: things${i}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        properties:\n          spec:\n            properties:\n${crdBody}\n`;
    } else if (kind === 1) {
      const a = pullspecs[i % pullspecs.length];
      const b = pullspecs[(i * 7) % pullspecs.length];
      file = `0000_${runlevel}_${op}_05_deployment-${i}.yaml`;
      content = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: openshift-${op}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${op}-${i}\n  namespace: openshift-${op}\nspec:\n  template:\n    spec:\n      containers:\n      - name: operator\n        image: ${a}\n        env:\n        - name: OPERATOR_IMAGE\n          value: ${a}\n        - name: OPERAND_IMAGE\n          value: ${b}\n`;
    } else {
      file = `0000_${runlevel}_${op}_02_rbac-${i}.yaml`;
      content = `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${op}-${i}\nrules:\n- apiGroups: [""]\n  resources: [configmaps, secrets, services]\n  verbs: [get, list, watch, create, update, patch, delete]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${op}-config-${i}\n  namespace: openshift-${op}\ndata:\n  config.yaml: |\n    kind: Deployment\n    image: not-parsed\n`;
    }
    files.set(file, content);
  }
  return files;
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { fixturePath, readFixture } from '../fixtures';

/** A component of the fixture payload (OCP 4.10 nightly image-references, 146 tags). */
export interface FixtureTag {
  name: string;
  annotations: Record<string, string>;
  from: { kind: 'DockerImage'; name: string };
}

export interface ReleaseManifestsInput {
  version: string;
  /** Component tags; default the 146 tags of the OCP 4.10 fixture. */
  tags?: FixtureTag[];
  previous?: string[];
  channels?: string[];
  /** Extra files or replacements, by name inside release-manifests/. */
  extraFiles?: Record<string, string>;
  /** Skip the synthetic operators (only the fixture operators' manifests). */
  small?: boolean;
}

export function fixtureTags(): FixtureTag[] {
  const stream = JSON.parse(readFixture('payload', 'ocp-4.10-image-references.json')) as { spec: { tags: FixtureTag[] } };
  return stream.spec.tags.map((tag) => ({ name: tag.name, annotations: { ...tag.annotations }, from: { ...tag.from } }));
}

/** The operators whose real manifests are in the fixtures, with the payload tag whose image carries them. */
const fixtureOperators = [
  { dir: 'cluster-image-registry-operator', tag: 'cluster-image-registry-operator' },
  { dir: 'cluster-samples-operator', tag: 'cluster-samples-operator' },
  { dir: 'cluster-monitoring-operator', tag: 'cluster-monitoring-operator' },
];

/** Placeholder pullspec -> tag name, from an operator repository's manifests/image-references. */
function placeholders(operator: string): Map<string, string> {
  const file = fixturePath('operator-image-references', `${operator}.image-references`);
  const map = new Map<string, string>();
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const stream = doc.toJS() as { spec?: { tags?: FixtureTag[] } } | null;
    for (const tag of stream?.spec?.tags ?? []) map.set(tag.from.name, tag.name);
  }
  return map;
}

/**
 * The `release-manifests/` files of a payload, made the way `oc adm release new` makes them: the fixture
 * operators' manifests with placeholder pullspecs replaced by the payload's digest pullspecs, `0.0.1-snapshot`
 * replaced by the version, and names without `0000_` prefixed with `0000_50_<tag>_`; plus synthetic operators
 * (namespace, CRDs, deployment, cluster operator) for the other `*-operator` components, so the payload has
 * hundreds of manifests as real ones do.
 */
export function releaseManifests(input: ReleaseManifestsInput): Map<string, string> {
  const tags = input.tags ?? fixtureTags();
  const byName = new Map(tags.map((tag) => [tag.name, tag.from.name]));
  const files = new Map<string, string>();
  const stream = {
    kind: 'ImageStream',
    apiVersion: 'image.openshift.io/v1',
    metadata: { name: input.version, creationTimestamp: '2021-11-14T18:51:28Z', annotations: { 'release.openshift.io/from-image-stream': `okd/${input.version}` } },
    spec: { lookupPolicy: { local: false }, tags: tags.map((tag) => ({ ...tag, generation: null, importPolicy: {}, referencePolicy: { type: '' } })) },
    status: { dockerImageRepository: '' },
  };
  files.set('image-references', JSON.stringify(stream, null, 2));
  files.set('release-metadata', JSON.stringify({
    kind: 'cincinnati-metadata-v0',
    version: input.version,
    previous: input.previous ?? [],
    metadata: {
      url: `https://github.com/okd-project/okd/releases/tag/${input.version}`,
      'io.openshift.upgrades.graph.release.channels': (input.channels ?? ['stable-scos-4']).join(','),
    },
  }, null, 2));

  for (const operator of fixtureOperators) {
    if (!byName.has(operator.tag)) continue;
    const map = placeholders(operator.dir);
    const dir = fixturePath('operator-manifests', operator.dir);
    for (const file of fs.readdirSync(dir).sort()) {
      let text = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const [placeholder, tagName] of map) {
        const pullSpec = byName.get(tagName);
        if (pullSpec) text = text.split(placeholder).join(pullSpec);
      }
      text = text.split('0.0.1-snapshot').join(input.version);
      files.set(file.startsWith('0000_') ? file : `0000_50_${operator.tag}_${file}`, text);
    }
  }

  if (!input.small) {
    const handled = new Set(fixtureOperators.map((o) => o.tag));
    for (const tag of tags) {
      if (!tag.name.endsWith('-operator') || handled.has(tag.name)) continue;
      for (const [file, text] of syntheticOperator(tag.name, tag.from.name, input.version)) files.set(file, text);
    }
  }
  for (const [name, text] of Object.entries(input.extraFiles ?? {})) files.set(name, text);
  return files;
}

function syntheticOperator(component: string, pullSpec: string, version: string): [string, string][] {
  const namespace = `openshift-${component.replace(/^cluster-/, '').replace(/-operator$/, '')}-operator`;
  const short = component.replace(/-operator$/, '');
  const out: [string, string][] = [];
  out.push([`0000_50_${component}_00_namespace.yaml`, `apiVersion: v1
kind: Namespace
metadata:
  name: ${namespace}
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
    openshift.io/node-selector: ""
  labels:
    openshift.io/cluster-monitoring: "true"
`]);
  for (let i = 0; i < 10; i++) {
    const properties = Array.from({ length: 40 }, (_, p) => `                field${p}:
                  description: field${p} configures part ${p} of the ${short} operand; see the operator documentation for the accepted values and defaults.
                  type: string`).join('\n');
    out.push([`0000_50_${component}_01_crd-${i}.yaml`, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: thing${i}s.${short}.operator.openshift.io
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
spec:
  group: ${short}.operator.openshift.io
  names: {kind: Thing${i}, plural: thing${i}s}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
${properties}
`]);
  }
  out.push([`0000_50_${component}_02_rbac.yaml`, `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${component}
  namespace: ${namespace}
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:openshift:operator:${component}
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: ${component}, namespace: ${namespace}}
`]);
  out.push([`0000_50_${component}_05_deployment.yaml`, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${component}
  namespace: ${namespace}
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
spec:
  replicas: 1
  selector:
    matchLabels: {name: ${component}}
  template:
    metadata:
      labels: {name: ${component}}
    spec:
      serviceAccountName: ${component}
      containers:
      - name: operator
        image: ${pullSpec}
        command: [${component}]
        args: [operator, --v=2]
        env:
        - name: RELEASE_VERSION
          value: "${version}"
        - name: OPERATOR_IMAGE
          value: ${pullSpec}
        resources:
          requests: {cpu: 10m, memory: 50Mi}
`]);
  out.push([`0000_50_${component}_06_clusteroperator.yaml`, `apiVersion: config.openshift.io/v1
kind: ClusterOperator
metadata:
  name: ${short}
  annotations:
    include.release.openshift.io/self-managed-high-availability: "true"
spec: {}
status:
  versions:
  - name: operator
    version: "${version}"
`]);
  return out;
}

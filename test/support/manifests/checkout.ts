// An operator checkout whose manifests/ are the payload's (cluster-image-registry-operator's from the fixtures,
// plus a CRD and a Role), optionally with a developer's changes; and a test cluster running a payload built from
// the same manifests, so a checkout without changes renders to exactly what the cluster holds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type OkdPayloadCluster, startOkdPayloadCluster } from '../cluster/okd';
import { operatorManifests } from '../cluster/payload';
import { fixturePath } from '../fixtures';

export const COMPONENT = 'cluster-image-registry-operator';
export const NAMESPACE = 'openshift-image-registry';
export const CRD_NAME = 'registrytunings.imageregistry.operator.openshift.io';
export const ROLE_NAME = 'cluster-image-registry-operator-dev';
export const NEW_CONFIGMAP = 'image-registry-dev-settings';

const INCLUDE = 'include.release.openshift.io/self-managed-high-availability: "true"';

/** A small cluster-scoped CRD with the given spec properties (each a string). */
export function crdManifest(fields: string[]): string {
  const properties = fields.map((f) => `                ${f}:\n                  type: string\n                  description: ${f} of the registry.`).join('\n');
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${CRD_NAME}
  annotations:
    ${INCLUDE}
spec:
  group: imageregistry.operator.openshift.io
  names:
    kind: RegistryTuning
    plural: registrytunings
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
            x-kubernetes-preserve-unknown-fields: true
            properties:
${properties}
`;
}

/** A Role of the operator with rules for these core resources (get, list, watch). */
export function roleManifest(resources: string[][]): string {
  const rules = resources.map((r) => `- apiGroups: [""]\n  resources: [${r.map((x) => `"${x}"`).join(', ')}]\n  verbs: ["get", "list", "watch"]`).join('\n');
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${ROLE_NAME}
  namespace: ${NAMESPACE}
  annotations:
    ${INCLUDE}
rules:
${rules}
`;
}

export const PAYLOAD_CRD_FIELDS = ['logLevel'];
export const PAYLOAD_ROLE_RULES = [['configmaps']];

/** Extra payload files: the fixture operators' Namespaces and ServiceAccounts, and the operator's CRD and Role. */
export function payloadExtraFiles(): Record<string, string> {
  return {
    ...operatorManifests(),
    [`0000_50_${COMPONENT}_00-crd.yaml`]: crdManifest(PAYLOAD_CRD_FIELDS),
    [`0000_50_${COMPONENT}_01-role.yaml`]: roleManifest(PAYLOAD_ROLE_RULES),
  };
}

export interface CheckoutChanges {
  /** Extra spec properties of the CRD. */
  crdFields?: string[];
  /** Extra rules of the Role (resources). */
  roleRules?: string[][];
  /** Extra env vars of the operator container. */
  env?: Record<string, string>;
  /** A ConfigMap the payload does not have. */
  newConfigMap?: boolean;
}

/** The operator Deployment of the fixtures with extra env vars after RELEASE_VERSION. */
function operatorYaml(env: Record<string, string>): string {
  const text = fs.readFileSync(fixturePath('operator-manifests', COMPONENT, '07-operator.yaml'), 'utf8');
  const extra = Object.entries(env).map(([name, value]) => `            - name: ${name}\n              value: "${value}"\n`).join('');
  const anchor = '            - name: RELEASE_VERSION\n              value: "0.0.1-snapshot"\n';
  if (!text.includes(anchor)) throw new Error('07-operator.yaml changed: RELEASE_VERSION anchor not found');
  return text.replace(anchor, anchor + extra);
}

/** Writes a checkout (a folder with manifests/) and returns its path. */
export function writeCheckout(changes: CheckoutChanges = {}, root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-checkout-'))): string {
  const dir = path.join(root, COMPONENT);
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests, { recursive: true });
  fs.copyFileSync(fixturePath('operator-image-references', `${COMPONENT}.image-references`), path.join(manifests, 'image-references'));
  fs.writeFileSync(path.join(manifests, '07-operator.yaml'), operatorYaml(changes.env ?? {}));
  fs.copyFileSync(fixturePath('operator-manifests', COMPONENT, '08-clusteroperator.yaml'), path.join(manifests, '08-clusteroperator.yaml'));
  fs.writeFileSync(path.join(manifests, '00-crd.yaml'), crdManifest([...PAYLOAD_CRD_FIELDS, ...(changes.crdFields ?? [])]));
  fs.writeFileSync(path.join(manifests, '01-role.yaml'), roleManifest([...PAYLOAD_ROLE_RULES, ...(changes.roleRules ?? [])]));
  if (changes.newConfigMap) {
    fs.writeFileSync(
      path.join(manifests, '02-dev-settings.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${NEW_CONFIGMAP}\n  namespace: ${NAMESPACE}\n  annotations:\n    ${INCLUDE}\ndata:\n  version: "0.0.1-snapshot"\n`,
    );
  }
  fs.writeFileSync(path.join(manifests, 'OWNERS'), 'approvers: []\n');
  return dir;
}

/** A registry, the fixture operators' images, a payload with payloadExtraFiles(), and a test cluster running it. */
export function startManifestsCluster(version = '4.19.0-okd-scos.16'): Promise<OkdPayloadCluster> {
  return startOkdPayloadCluster({ version, contents: { extraFiles: payloadExtraFiles } });
}

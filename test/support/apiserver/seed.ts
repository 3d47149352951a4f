// What a freshly installed OKD cluster holds before the CVO has run: the ClusterVersion `version` (shaped like
// fixtures/clusterversion/oc-examples-4.19.0-okd-scos.16-cv.yaml) and the namespaces every cluster has.
import { randomUUID } from 'node:crypto';
import { resourceByPlural } from './resources';
import type { KubeObject, ObjectStore } from './store';

export interface ReleaseRef {
  version: string;
  image: string;
}

export const DEFAULT_RELEASE: ReleaseRef = {
  version: '4.19.0-okd-scos.16',
  image: 'registry.build10.ci.openshift.org/ci-ln-plnvytb/release@sha256:247510938f0d61afa2daaa4fc73b81b54c3e78935550cf2233dac9d68c0095bf',
};

const CAPABILITIES = [
  'Build', 'CSISnapshot', 'CloudControllerManager', 'CloudCredential', 'Console', 'DeploymentConfig', 'ImageRegistry',
  'Ingress', 'Insights', 'MachineAPI', 'NodeTuning', 'OperatorLifecycleManager', 'OperatorLifecycleManagerV1',
  'Storage', 'baremetal', 'marketplace', 'openshift-samples',
];

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function clusterVersion(release: ReleaseRef): KubeObject {
  const t = now();
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterVersion',
    metadata: { name: 'version' },
    spec: { channel: 'stable-scos-4', clusterID: randomUUID(), upstream: 'https://amd64.origin.releases.ci.openshift.org/graph' },
    status: {
      availableUpdates: null,
      capabilities: { enabledCapabilities: CAPABILITIES, knownCapabilities: CAPABILITIES },
      conditions: [
        { lastTransitionTime: t, status: 'False', type: 'RetrievedUpdates', reason: 'NoChannel', message: 'The update channel has not been configured.' },
        { lastTransitionTime: t, message: 'Capabilities match configured spec', reason: 'AsExpected', status: 'False', type: 'ImplicitlyEnabledCapabilities' },
        { lastTransitionTime: t, message: `Payload loaded version="${release.version}" image="${release.image}" architecture="amd64"`, reason: 'PayloadLoaded', status: 'True', type: 'ReleaseAccepted' },
        { lastTransitionTime: t, message: `Done applying ${release.version}`, status: 'True', type: 'Available' },
        { lastTransitionTime: t, status: 'False', type: 'Failing' },
        { lastTransitionTime: t, message: `Cluster version is ${release.version}`, status: 'False', type: 'Progressing' },
      ],
      desired: { image: release.image, version: release.version },
      history: [{ completionTime: t, image: release.image, startedTime: t, state: 'Completed', verified: false, version: release.version }],
      observedGeneration: 1,
      versionHash: 'XI4117989oE=',
    },
  };
}

const NAMESPACES = ['default', 'kube-system', 'openshift-cluster-version', 'openshift-config'];

export function seedCluster(store: ObjectStore, release: ReleaseRef): void {
  const ns = resourceByPlural('namespaces');
  for (const name of NAMESPACES) {
    store.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  }
  store.create(resourceByPlural('clusterversions'), clusterVersion(release));
}

// A test cluster whose payload has operators that take their operands' pullspecs the three ways real ones do:
// an env var (cluster-network-operator's *_IMAGE), an argument (cluster-monitoring-operator's
// -images=name=pullspec) and a ConfigMap shipped in the payload (machine-config-operator's images.json). The
// operands' own workloads are not in the payload (their operators create them): the test creates them, and
// `startOperatorStandIns` plays the operators, keeping each operand workload on the image its operator names.
import { RegistryClient } from '../../../src/core/registry/client';
import { eventually } from '../eventually';
import type { TestRegistry } from '../registry';
import { apiRequest } from './clients';
import { type OkdCluster, startOkdPayloadCluster } from './okd';
import type { TestPayload } from '../payload/build';

export const OPERAND_NAMESPACES = { network: 'openshift-network-operator', monitoring: 'openshift-monitoring', mco: 'openshift-machine-config-operator' } as const;

/** The payload's components: three operators and the operands they name. */
export const OPERAND_COMPONENTS = ['cluster-network-operator', 'multus-cni', 'cluster-monitoring-operator', 'prometheus', 'prometheus-alertmanager', 'machine-config-operator', 'keepalived-ipfailover'] as const;
export type OperandComponent = (typeof OPERAND_COMPONENTS)[number];

const include = `  annotations:\n    include.release.openshift.io/self-managed-high-availability: "true"\n`;

function namespace(name: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${include}`;
}

function operatorDeployment(ns: string, name: string, image: string, extra: { env?: Record<string, string>; args?: string[]; volume?: string }): string {
  const env = Object.entries({ RELEASE_VERSION: '0.0.1', OPERATOR_IMAGE: image, ...extra.env }).map(([k, v]) => `        - name: ${k}\n          value: "${v}"`).join('\n');
  const args = extra.args ? `        args:\n${extra.args.map((a) => `        - "${a}"`).join('\n')}\n` : '';
  const mount = extra.volume ? `        volumeMounts:\n        - {name: images, mountPath: /etc/mco/images}\n` : '';
  const volumes = extra.volume ? `      volumes:\n      - name: images\n        configMap: {name: ${extra.volume}}\n` : '';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
${include}spec:
  replicas: 1
  selector:
    matchLabels: {name: ${name}}
  template:
    metadata:
      labels: {name: ${name}}
    spec:
      containers:
      - name: operator
        image: ${image}
        command: [${name}]
${args}        env:
${env}
${mount}${volumes}`;
}

/** The payload's extra files for these component pullspecs. */
export function operandManifests(images: Record<OperandComponent, string>): Record<string, string> {
  const n = OPERAND_NAMESPACES;
  const imagesJson = JSON.stringify({ releaseVersion: '0.0.1', machineConfigOperator: images['machine-config-operator'], keepalivedImage: images['keepalived-ipfailover'] }, null, 2);
  return {
    '0000_50_cluster-network-operator_00-namespace.yaml': namespace(n.network),
    '0000_50_cluster-network-operator_03-deployment.yaml': operatorDeployment(n.network, 'network-operator', images['cluster-network-operator'], { env: { MULTUS_IMAGE: images['multus-cni'] } }),
    '0000_50_cluster-monitoring-operator_00-namespace.yaml': namespace(n.monitoring),
    '0000_50_cluster-monitoring-operator_05-deployment.yaml': operatorDeployment(n.monitoring, 'cluster-monitoring-operator', images['cluster-monitoring-operator'], {
      args: ['-namespace=openshift-monitoring', `-images=prometheus=${images.prometheus}`, `-images=alertmanager=${images['prometheus-alertmanager']}`],
    }),
    '0000_80_machine-config_00-namespace.yaml': namespace(n.mco),
    '0000_80_machine-config_02-images.configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: machine-config-operator-images\n  namespace: ${n.mco}\n${include}data:\n  images.json: |\n${imagesJson.split('\n').map((l) => `    ${l}`).join('\n')}\n`,
    '0000_80_machine-config_04-deployment.yaml': operatorDeployment(n.mco, 'machine-config-operator', images['machine-config-operator'], { volume: 'machine-config-operator-images' }),
  };
}

export interface OperandPayloadCluster {
  registry: TestRegistry;
  client: RegistryClient;
  cluster: OkdCluster;
  payload: TestPayload;
  /** Component -> digest pullspec in the payload. */
  images: Record<OperandComponent, string>;
  version: string;
  image: string;
  stop(): Promise<void>;
}

/** A registry with the operand payload, and a test cluster whose CVO runs it (applied before this resolves). */
export async function startOperandPayloadCluster(version = '4.19.0-okd-scos.17'): Promise<OperandPayloadCluster> {
  const pc = await startOkdPayloadCluster({
    version,
    contents: { components: OPERAND_COMPONENTS, extraFiles: (images: Record<string, string>) => operandManifests(images as Record<OperandComponent, string>) },
  });
  return { ...pc, payload: pc.release.payload, images: pc.release.images as Record<OperandComponent, string>, version };
}

export interface OperandWorkloadSpec {
  kind: 'Deployment' | 'DaemonSet';
  namespace: string;
  name: string;
  image: string;
}

const collection = (w: { kind: string; namespace: string }) => `/apis/apps/v1/namespaces/${w.namespace}/${w.kind === 'Deployment' ? 'deployments' : 'daemonsets'}`;

/** Creates an operand's workload as its operator would (one container `operand`), and waits until it runs. */
export async function createOperandWorkload(cluster: OkdCluster, w: OperandWorkloadSpec): Promise<void> {
  const spec = {
    selector: { matchLabels: { app: w.name } },
    template: { metadata: { labels: { app: w.name } }, spec: { containers: [{ name: 'operand', image: w.image }] } },
    ...(w.kind === 'Deployment' ? { replicas: 1 } : {}),
  };
  const r = await apiRequest(cluster, 'POST', collection(w), { body: { apiVersion: 'apps/v1', kind: w.kind, metadata: { name: w.name, namespace: w.namespace }, spec } });
  if (r.code >= 300) throw new Error(`create ${w.kind} ${w.namespace}/${w.name}: ${r.code} ${r.text}`);
  await eventually(async () => {
    const s = (await apiRequest(cluster, 'GET', `${collection(w)}/${w.name}`)).json?.status ?? {};
    return w.kind === 'Deployment' ? s.availableReplicas === 1 : s.numberAvailable === 1;
  }, 60_000, `${w.kind} ${w.namespace}/${w.name} to run`);
}

/** The image an operator names for its operand now, read from the live cluster as the operator reads it. */
export type OperandSource = (cluster: OkdCluster) => Promise<string | undefined>;

export const sources = {
  /** The MULTUS_IMAGE env of network-operator. */
  env: (async (cluster) => {
    const d = (await apiRequest(cluster, 'GET', `/apis/apps/v1/namespaces/${OPERAND_NAMESPACES.network}/deployments/network-operator`)).json;
    return (d?.spec?.template?.spec?.containers?.[0]?.env as { name: string; value?: string }[] | undefined)?.find((e) => e.name === 'MULTUS_IMAGE')?.value;
  }) as OperandSource,
  /** The -images=prometheus= argument of cluster-monitoring-operator. */
  args: (async (cluster) => {
    const d = (await apiRequest(cluster, 'GET', `/apis/apps/v1/namespaces/${OPERAND_NAMESPACES.monitoring}/deployments/cluster-monitoring-operator`)).json;
    const arg = (d?.spec?.template?.spec?.containers?.[0]?.args as string[] | undefined)?.find((a) => a.startsWith('-images=prometheus='));
    return arg?.slice('-images=prometheus='.length);
  }) as OperandSource,
  /** keepalivedImage in images.json of machine-config-operator-images. */
  configMap: (async (cluster) => {
    const cm = (await apiRequest(cluster, 'GET', `/api/v1/namespaces/${OPERAND_NAMESPACES.mco}/configmaps/machine-config-operator-images`)).json;
    const text = cm?.data?.['images.json'] as string | undefined;
    return text ? (JSON.parse(text) as { keepalivedImage?: string }).keepalivedImage : undefined;
  }) as OperandSource,
};

/**
 * Plays the operators: every 100 ms, each operand workload gets the image its source names (as a real operator
 * reconciles its operand from its env, args or ConfigMap). Stop it before the cluster.
 */
export function startOperatorStandIns(cluster: OkdCluster, rules: { source: OperandSource; workload: Omit<OperandWorkloadSpec, 'image'> }[]): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const rule of rules) {
        try {
          const want = await rule.source(cluster);
          const path = `${collection(rule.workload)}/${rule.workload.name}`;
          const live = (await apiRequest(cluster, 'GET', path)).json;
          const now = live?.spec?.template?.spec?.containers?.[0]?.image as string | undefined;
          if (want && now && want !== now) {
            await apiRequest(cluster, 'PATCH', path, { contentType: 'application/json-patch+json', body: [{ op: 'test', path: '/spec/template/spec/containers/0/image', value: now }, { op: 'replace', path: '/spec/template/spec/containers/0/image', value: want }] });
          }
        } catch {
          // the API server restarting or the object not there yet: next round
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

// startTestCluster: an HTTPS API server on 127.0.0.1 that behaves like an OKD cluster's, with its CA, tokens, a
// kubeconfig, a deployment controller and (given a payload source) a cluster-version operator.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken, TokenAuth } from './auth';
import { ClusterVersionOperator, type PayloadSource } from './cvo';
import { DeploymentController, type ImageExists } from './deployment-controller';
import { writeKubeconfig } from './kubeconfig';
import { PodLogs } from './pod-logs';
import { createRouter, type RouterDeps } from './router';
import { DEFAULT_RELEASE, seedCluster, type ReleaseRef } from './seed';
import { ObjectStore } from './store';
import { makeServerTls } from './tls';
import { validate } from './validation';

export interface TestClusterOptions {
  /** The release the cluster runs (ClusterVersion status.desired); defaults to a real 4.19 OKD SCOS release. */
  release?: ReleaseRef;
  /** When set, a CVO applies this release's payload and follows spec.desiredUpdate. */
  payloadSource?: PayloadSource;
  imageExists?: ImageExists;
  /** Multiplies Deployment spec.progressDeadlineSeconds (e.g. 0.002 turns 600 s into 1.2 s). */
  progressDeadlineScale?: number;
  /** GET /version gitVersion; the kubectl dispatcher picks its client version from it. */
  kubernetesVersion?: string;
  cvoResyncMs?: number;
  /** Every authenticated request, for tests that check what a client sent. */
  onRequest?: RouterDeps['onRequest'];
}

export interface TestCluster {
  url: string;
  caFile: string;
  /** PEM of the CA, base64 as in a kubeconfig's certificate-authority-data. */
  caData: string;
  tokens: { admin: string; readOnly: string };
  kubeconfigPath: string;
  store: ObjectStore;
  logs: PodLogs;
  deployments: DeploymentController;
  cvo?: ClusterVersionOperator;
  /** The token answers 401 from now on. */
  expireToken(token: string): void;
  /** Pods whose container uses `pullspec` fail with this reason. */
  failImage: DeploymentController['failImage'];
  stop(): Promise<void>;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'okd-test-apiserver-'));
  const tls = await makeServerTls(dir);
  const release = opts.release ?? DEFAULT_RELEASE;
  const store = new ObjectStore();
  store.addValidator(validate);
  seedCluster(store, release);
  const auth = new TokenAuth();
  const tokens = { admin: newToken('admin'), readOnly: newToken('viewer') };
  auth.add(tokens.admin, { user: 'kube:admin', readOnly: false });
  auth.add(tokens.readOnly, { user: 'viewer', readOnly: true });
  const logs = new PodLogs();
  const openStreams = new Set<ServerResponse>();
  let url = '';
  const router = createRouter({
    store,
    auth,
    logs,
    kubernetesVersion: opts.kubernetesVersion ?? 'v1.32.6',
    serverAddress: () => url.replace(/^https:\/\//, ''),
    openStreams,
    onRequest: opts.onRequest,
  });
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, router);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeKubeconfig({ path: kubeconfigPath, server: url, caPem: tls.caPem, adminToken: tokens.admin, viewerToken: tokens.readOnly });
  const deployments = new DeploymentController(store, logs, { imageExists: opts.imageExists, progressDeadlineScale: opts.progressDeadlineScale });
  const cvo = opts.payloadSource
    ? new ClusterVersionOperator(store, { payloadSource: opts.payloadSource, initialImage: release.image, resyncMs: opts.cvoResyncMs })
    : undefined;
  return {
    url,
    caFile: tls.caFile,
    caData: Buffer.from(tls.caPem).toString('base64'),
    tokens,
    kubeconfigPath,
    store,
    logs,
    deployments,
    cvo,
    expireToken: (t) => auth.expire(t),
    failImage: (pullspec, reason, message) => deployments.failImage(pullspec, reason, message),
    async stop() {
      cvo?.stop();
      deployments.stop();
      for (const res of openStreams) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

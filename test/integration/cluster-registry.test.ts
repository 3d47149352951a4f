// The cluster's own image registry, on the test cluster started with --image-registry (docker-registry behind
// OpenShift's token auth, the image config, the ingress CA, ServiceAccount dockercfg secrets): `okd-dev dev loop`
// without a dev repository pushes through the route with the user's token, patches the workload with the internal
// pullspec, and the node agent pulls it through the internal hostname with the pod ServiceAccount's own secret.
// The registry's refusals (bad token, no push rights) and the route-not-exposed and client-certificate errors are
// checked through the CLI; skopeo is the independent judge of what is in the registry. The route's certificate is
// trusted only through the ingress CA the cluster publishes (the payload registry alone is insecure).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DevLoopResult } from '../../src/core/devloop';
import { apiRequest, kubectl, kubectlEnv } from '../support/cluster/clients';
import { cliEnv, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { createSampleOperator, SAMPLE_COMPONENT, type SampleOperator } from '../support/sample-operator';
import { type DevWorld, startDevWorld } from '../support/sample-operator/world';

const NS = 'openshift-image-registry';
const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';

function skopeo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('skopeo', args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('the cluster\'s own image registry', { timeout: 900_000 }, () => {
  let world: DevWorld;
  let sample: SampleOperator;
  let goCache: string;
  let tmp: string;
  let registriesConf: string;
  let certDir: string;
  let route: string;

  const loop = (extraEnv: Record<string, string> = {}, args: string[] = []) =>
    runCli(['dev', 'loop', '--path', sample.dir, '--registries-conf', registriesConf, '-o', 'json', '--timeout', '120', ...args], {
      ...cliEnv({ KUBECONFIG: world.cluster?.kubeconfigPath, ...extraEnv }),
      ...sample.goEnv,
    });

  before(async () => {
    world = await startDevWorld({ cluster: true, imageRegistry: true });
    goCache = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-registry-gocache-'));
    sample = createSampleOperator({ baseImage: world.baseImage, goCache });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-cluster-registry-'));
    // Only the payload's registry is plain http: the route must be trusted through the published ingress CA.
    registriesConf = path.join(tmp, 'registries.conf');
    fs.writeFileSync(registriesConf, `[[registry]]\nlocation = "${world.registry.host}"\ninsecure = true\n`);
    route = world.cluster?.imageRegistry?.route ?? '';
    certDir = path.join(tmp, 'certs');
    fs.mkdirSync(certDir);
    fs.copyFileSync(world.cluster?.caFile as string, path.join(certDir, 'ca.crt'));
  });

  after(async () => {
    sample?.remove();
    if (goCache) fs.rmSync(goCache, { recursive: true, force: true });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    await world?.stop();
  });

  it('publishes the registry as OpenShift does: image config hostnames, ingress CA, dockercfg secrets, image-puller bindings', async () => {
    const cluster = world.cluster;
    assert.ok(cluster && route, 'the ready line names the route');
    const env = kubectlEnv(cluster);
    const image = JSON.parse((await kubectl(env, ['get', 'images.config.openshift.io', 'cluster', '-o', 'json'])).stdout) as { status: { internalRegistryHostname: string; externalRegistryHostnames: string[] } };
    assert.equal(image.status.internalRegistryHostname, INTERNAL);
    assert.deepEqual(image.status.externalRegistryHostnames, [route]);
    const ca = JSON.parse((await kubectl(env, ['-n', 'openshift-config-managed', 'get', 'cm', 'default-ingress-cert', '-o', 'json'])).stdout) as { data: Record<string, string> };
    assert.match(ca.data['ca-bundle.crt'] ?? '', /BEGIN CERTIFICATE/);
    await eventually(async () => {
      const sa = JSON.parse((await kubectl(env, ['-n', NS, 'get', 'sa', SAMPLE_COMPONENT, '-o', 'json'])).stdout) as { imagePullSecrets?: { name: string }[] };
      return (sa.imagePullSecrets ?? []).some((s) => s.name.startsWith(`${SAMPLE_COMPONENT}-dockercfg-`));
    }, 30_000, 'the ServiceAccount to get its dockercfg secret');
    const rb = JSON.parse((await kubectl(env, ['-n', NS, 'get', 'rolebinding', 'system:image-pullers', '-o', 'json'])).stdout) as { subjects: { name: string }[] };
    assert.deepEqual(rb.subjects.map((s) => s.name), [`system:serviceaccounts:${NS}`]);
  });

  it('okd-dev dev loop without a dev repository pushes to the route with the user\'s token, patches with the internal pullspec and rolls out; restore puts the payload back', async () => {
    const cluster = world.cluster;
    assert.ok(cluster);
    sample.setVersion('v0.0.9-cluster-registry');
    const run = await loop();
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as DevLoopResult;
    assert.deepEqual(result.stages.map((s) => `${s.name}:${s.state}`), ['prepare:done', 'build:done', 'push:done', 'patch:done', 'rollout:done']);
    assert.deepEqual(result.clusterRegistry, { route, internal: INTERNAL });
    assert.match(result.image, new RegExp(`^${route.replace(/\./g, '\\.')}/${NS}/${SAMPLE_COMPONENT}@sha256:[0-9a-f]{64}$`));
    const digest = result.image.split('@')[1];
    const internal = `${INTERNAL}/${NS}/${SAMPLE_COMPONENT}@${digest}`;
    assert.equal(result.patch?.image, internal);
    assert.match(run.stderr, new RegExp(`✓ prepare .*no dev repository set: pushing to the cluster's own registry ${route}/${NS}/${SAMPLE_COMPONENT}`));

    const env = kubectlEnv(cluster);
    const deploy = JSON.parse((await kubectl(env, ['-n', NS, 'get', 'deploy', SAMPLE_COMPONENT, '-o', 'json'])).stdout);
    assert.equal(deploy.spec.template.spec.containers[0].image, internal);
    const pods = JSON.parse((await kubectl(env, ['-n', NS, 'get', 'pods', '-o', 'json'])).stdout) as {
      items: { spec: { containers: { image: string }[] }; status: { phase: string; containerStatuses?: { ready: boolean; imageID: string }[] } }[];
    };
    const running = pods.items.find((p) => p.spec.containers[0]?.image === internal);
    assert.ok(running, 'a pod runs the internal pullspec');
    assert.equal(running.status.phase, 'Running');
    assert.equal(running.status.containerStatuses?.[0]?.ready, true);
    // The node agent resolved it through the internal name: the digest it recorded is the one pushed.
    assert.equal(running.status.containerStatuses?.[0]?.imageID, internal);

    // skopeo, with the admin token as `oc registry login` would store it, sees the image and its labels.
    const inspect = await skopeo(['inspect', '--cert-dir', certDir, '--creds', `user:${cluster.tokens.admin}`, `docker://${route}/${NS}/${SAMPLE_COMPONENT}@${digest}`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal((JSON.parse(inspect.stdout) as { Labels: Record<string, string> }).Labels['io.openshift.build.commit.id'], result.commit);

    // The pull-access check understands internal pullspecs: the pod's ServiceAccount, by a SubjectAccessReview.
    const can = await runCli(['cluster', 'can-pull', internal, SAMPLE_COMPONENT, '--registries-conf', registriesConf], cliEnv({ KUBECONFIG: cluster.kubeconfigPath }));
    assert.equal(can.code, 0, can.stdout + can.stderr);
    assert.match(can.stdout, new RegExp(`The cluster can pull ${internal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .* via pull secret ${NS}/${SAMPLE_COMPONENT}-dockercfg-`));
    const other = `${INTERNAL}/someone-else/${SAMPLE_COMPONENT}@${digest}`;
    const cannot = await runCli(['cluster', 'can-pull', other, SAMPLE_COMPONENT, '--registries-conf', registriesConf], cliEnv({ KUBECONFIG: cluster.kubeconfigPath }));
    assert.equal(cannot.code, 1, cannot.stdout + cannot.stderr);
    assert.match(cannot.stdout, new RegExp(`ServiceAccount ${NS}/${SAMPLE_COMPONENT} may not pull from namespace someone-else of the cluster's registry`));

    const restore = await runCli(['cluster', 'restore', SAMPLE_COMPONENT, '--registries-conf', registriesConf], cliEnv({ KUBECONFIG: cluster.kubeconfigPath }));
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    await eventually(async () => {
      const d = JSON.parse((await kubectl(env, ['-n', NS, 'get', 'deploy', SAMPLE_COMPONENT, '-o', 'json'])).stdout);
      return d.spec.template.spec.containers[0].image === world.images[SAMPLE_COMPONENT];
    }, 60_000, 'the payload image back in the Deployment');
  });

  it('the registry refuses as OpenShift\'s does: 401 with its JSON errors for a bad token and for a user without push rights', async () => {
    const cluster = world.cluster;
    assert.ok(cluster);
    const ca = fs.readFileSync(cluster.caFile, 'utf8');
    const get = (pathAndQuery: string, auth?: string) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const https = require('node:https') as typeof import('node:https');
        const req = https.request(`https://${route}${pathAndQuery}`, { ca, headers: auth ? { Authorization: auth } : {} }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const anonymous = await get('/v2/');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['www-authenticate'], `Bearer realm="https://${route}/openshift/token"`);
    const basic = (token: string) => `Basic ${Buffer.from(`user:${token}`).toString('base64')}`;
    assert.equal((await get('/openshift/token', basic('not-a-token'))).status, 401);
    const bad = await get(`/v2/${NS}/${SAMPLE_COMPONENT}/tags/list`, basic('not-a-token'));
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['www-authenticate'], 'Basic realm=openshift,error="access denied"');
    assert.equal((JSON.parse(bad.body) as { errors: { code: string }[] }).errors[0]?.code, 'UNAUTHORIZED');
    const token = JSON.parse((await get('/openshift/token', basic(cluster.tokens.viewer))).body) as { token: string };
    assert.equal(token.token, cluster.tokens.viewer, 'the token endpoint hands the Kubernetes token back');
    // The viewer may read (get imagestreams/layers) but not push: skopeo gets the registry's own refusal.
    const push = await skopeo([
      'copy', '--src-tls-verify=false', '--dest-cert-dir', certDir, '--dest-creds', `user:${cluster.tokens.viewer}`,
      `docker://${world.images[SAMPLE_COMPONENT]}`, `docker://${route}/${NS}/viewer-push:dev`,
    ]);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /unauthorized: authentication required/);

    // Through okd-dev: a bad token fails on the cluster first, naming the context and what to do.
    const badKubeconfig = path.join(tmp, 'bad-kubeconfig');
    fs.writeFileSync(badKubeconfig, fs.readFileSync(cluster.kubeconfigPath, 'utf8').replace(cluster.tokens.admin, 'not-a-token'));
    const badRun = await loop({ KUBECONFIG: badKubeconfig });
    assert.equal(badRun.code, 1);
    assert.match(badRun.stderr, /the token for context admin was rejected or expired.*oc login/i);
    // A user without push rights is stopped before anything is pushed, with the role to ask for.
    const viewerRun = await loop({}, ['--context', 'viewer', '--no-patch']);
    assert.equal(viewerRun.code, 1, viewerRun.stdout);
    assert.match(viewerRun.stderr, new RegExp(`user viewer of context viewer may not push to the cluster's image registry in namespace ${NS} .*oc policy add-role-to-user system:image-pusher viewer -n ${NS}`, 's'));
  });

  it('a client-certificate user and a registry without a route get errors that say what to do', async () => {
    const cluster = world.cluster;
    assert.ok(cluster);
    // The base kubeconfig's current context authenticates with a client certificate.
    const certRun = await loop({ KUBECONFIG: cluster.ready.kubeconfig });
    assert.equal(certRun.code, 1);
    assert.match(certRun.stderr, /has no token \(a client certificate, or basic auth\).*oc login/s);

    const env = kubectlEnv(cluster);
    await kubectl(env, ['patch', 'configs.imageregistry.operator.openshift.io/cluster', '--type', 'merge', '-p', '{"spec":{"defaultRoute":false}}']);
    await eventually(async () => {
      const r = await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/images/cluster');
      return ((r.json as { status?: { externalRegistryHostnames?: string[] } }).status?.externalRegistryHostnames ?? []).length === 0;
    }, 30_000, 'the route to be withdrawn');
    const noRoute = await loop();
    assert.equal(noRoute.code, 1);
    assert.match(noRoute.stderr, /has no route.*oc patch configs\.imageregistry\.operator\.openshift\.io\/cluster --type merge -p '\{"spec":\{"defaultRoute":true\}\}'.*--to REGISTRY\/REPOSITORY/s);
    // The command it names brings the route back.
    await kubectl(env, ['patch', 'configs.imageregistry.operator.openshift.io/cluster', '--type', 'merge', '-p', '{"spec":{"defaultRoute":true}}']);
    await eventually(async () => {
      const r = await apiRequest(cluster, 'GET', '/apis/config.openshift.io/v1/images/cluster');
      return ((r.json as { status?: { externalRegistryHostnames?: string[] } }).status?.externalRegistryHostnames ?? [])[0] === route;
    }, 30_000, 'the route to be back');
  });
});

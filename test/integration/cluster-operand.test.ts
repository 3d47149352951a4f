// Patching an operand through the CLI on the test cluster (its CVO, node agent, a real registry): the operand's
// pullspec referenced from an operator's env, from its args and from a ConfigMap of the payload; the plan first,
// --dry-run, restore, and someone else's overrides kept. The operators are played by stand-ins that keep each
// operand workload on the image its operator names (as cluster-network-operator or CMO reconcile their operands).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPERAND_PATCHED_LABEL, OPERAND_RECORD_ANNOTATION } from '../../src/core/cluster/record';
import { cliEnv, runCli } from '../support/cli';
import { apiRequest, kubectl, kubectlEnv } from '../support/cluster/clients';
import { createOperandWorkload, OPERAND_NAMESPACES as NS, type OperandPayloadCluster, sources, startOperandPayloadCluster, startOperatorStandIns } from '../support/cluster/operands';
import { pushComponentImage } from '../support/cluster/payload';
import { stringify } from 'yaml';

const CV_PATH = '/apis/config.openshift.io/v1/clusterversions/version';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('okd-dev cluster patch / restore of an operand against the test cluster', { timeout: 900_000 }, () => {
  let pc: OperandPayloadCluster;
  let env: NodeJS.ProcessEnv;
  let kenv: NodeJS.ProcessEnv;
  let standIns: { stop(): Promise<void> };
  const dev: Record<string, string> = {};

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (path: string): Promise<any> => (await apiRequest(pc.cluster, 'GET', path)).json;
  const overrides = async () => ((await get(CV_PATH)).spec?.overrides ?? []) as { kind: string; name: string }[];
  const setOverrides = async (list: unknown[] | null) => {
    const r = await kubectl(kenv, ['patch', 'clusterversion', 'version', '--type=merge', '-p', JSON.stringify({ spec: { overrides: list } })]);
    assert.equal(r.code, 0, r.stderr);
  };
  // Two CVO sync passes that started after now (asked for, rather than waiting for its resync).
  const cvoPasses = async () => {
    for (let i = 0; i < 2; i++) assert.equal(JSON.parse(await pc.cluster.admin('POST', '/cvo/sync')).ok, true);
  };
  const networkOperator = () => get(`/apis/apps/v1/namespaces/${NS.network}/deployments/network-operator`);
  const multusImage = async () => (await get(`/apis/apps/v1/namespaces/${NS.network}/daemonsets/multus`)).spec.template.spec.containers[0].image as string;
  const prometheusImage = async () => (await get(`/apis/apps/v1/namespaces/${NS.monitoring}/deployments/prometheus-k8s`)).spec.template.spec.containers[0].image as string;
  const imagesJson = async () => (await get(`/api/v1/namespaces/${NS.mco}/configmaps/machine-config-operator-images`)).data['images.json'] as string;

  before(async () => {
    pc = await startOperandPayloadCluster();
    env = cliEnv({ KUBECONFIG: pc.cluster.kubeconfigPath });
    kenv = kubectlEnv(pc.cluster);
    for (const name of ['multus-cni', 'prometheus', 'keepalived-ipfailover']) dev[name] = await pushComponentImage(pc.client, pc.registry.host, `dev/${name}`, 'dev', `my-${name}`);
    // The operands as their operators created them (not in the payload); keepalived has none: its operator has not created it.
    await createOperandWorkload(pc.cluster, { kind: 'DaemonSet', namespace: NS.network, name: 'multus', image: pc.images['multus-cni'] });
    await createOperandWorkload(pc.cluster, { kind: 'Deployment', namespace: NS.monitoring, name: 'prometheus-k8s', image: pc.images.prometheus });
    standIns = startOperatorStandIns(pc.cluster, [
      { source: sources.env, workload: { kind: 'DaemonSet', namespace: NS.network, name: 'multus' } },
      { source: sources.args, workload: { kind: 'Deployment', namespace: NS.monitoring, name: 'prometheus-k8s' } },
    ]);
  });

  after(async () => {
    await standIns?.stop();
    await pc?.stop();
  });

  it('--dry-run prints the plan (objects, overrides, edits) and changes nothing; -o json gives it as JSON', async () => {
    const tagged = `${pc.registry.host}/dev/multus-cni:dev`;
    const dry = await runCli(['cluster', 'patch', 'multus-cni', tagged, '--insecure', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      [
        `Plan: multus-cni is an operand of release ${pc.version}: ${pc.images['multus-cni']} -> ${dev['multus-cni']}`,
        `  Deployment ${NS.network}/network-operator (0000_50_cluster-network-operator_03-deployment.yaml)`,
        `    override Deployment.apps/${NS.network}/network-operator unmanaged`,
        `    env operator/MULTUS_IMAGE: ${pc.images['multus-cni']} -> ${dev['multus-cni']}`,
        `  operand DaemonSet ${NS.network}/multus (containers operand): waited for once its operator has rolled it out`,
        'Dry run: nothing changed.',
        '',
      ].join('\n'),
    );
    const json = await runCli(['cluster', 'patch', 'multus-cni', tagged, '--insecure', '--dry-run', '-o', 'json'], env);
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout);
    assert.equal(out.dryRun, true);
    assert.deepEqual(out.plan.objects.map((o: { override: unknown; edits: { field: string; key: string; to: string }[] }) => [o.override, o.edits.map((e) => [e.field, e.key, e.to])]), [
      [{ kind: 'Deployment', group: 'apps', namespace: NS.network, name: 'network-operator', unmanaged: true }, [['env', 'MULTUS_IMAGE', dev['multus-cni']]]],
    ]);
    assert.deepEqual(out.plan.operands, [{ kind: 'DaemonSet', namespace: NS.network, name: 'multus', containers: ['operand'] }]);
    assert.deepEqual(await overrides(), []);
    assert.equal((await networkOperator()).metadata.labels?.[OPERAND_PATCHED_LABEL], undefined);
  });

  it('operand from env: overrides the operator, rewrites the env var, waits for the operator and then the operand DaemonSet; restore puts it back', async () => {
    const patched = await runCli(['cluster', 'patch', 'multus-cni', `${pc.registry.host}/dev/multus-cni:dev`, '--insecure'], env, 300_000);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, /^Plan: multus-cni is an operand of release /m);
    assert.match(patched.stdout, /^Patched multus-cni: 1 object\(s\) now name /m);
    assert.match(patched.stdout, new RegExp(`^Rollout complete: operators Deployment ${NS.network}/network-operator$`, 'm'));
    assert.match(patched.stdout, new RegExp(`^Operand rolled out: DaemonSet ${NS.network}/multus$`, 'm'));
    assert.deepEqual(await overrides(), [{ kind: 'Deployment', group: 'apps', namespace: NS.network, name: 'network-operator', unmanaged: true }]);
    const d = await networkOperator();
    const envOf = (name: string) => (d.spec.template.spec.containers[0].env as { name: string; value: string }[]).find((e) => e.name === name)?.value;
    assert.equal(envOf('MULTUS_IMAGE'), dev['multus-cni']);
    assert.equal(envOf('OPERATOR_IMAGE'), pc.images['cluster-network-operator'], 'the operator keeps its own image');
    assert.equal(JSON.parse(d.metadata.annotations[OPERAND_RECORD_ANNOTATION]).edits[0].from, pc.images['multus-cni']);
    assert.equal(await multusImage(), dev['multus-cni']);
    await cvoPasses();
    assert.equal(envOf('MULTUS_IMAGE'), dev['multus-cni']);
    assert.equal(((await networkOperator()).spec.template.spec.containers[0].env as { name: string; value: string }[]).find((e) => e.name === 'MULTUS_IMAGE')?.value, dev['multus-cni'], 'the CVO leaves the overridden operator alone');

    const restored = await runCli(['cluster', 'restore', 'multus-cni', '--insecure'], env, 300_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, new RegExp(`^Restored multus-cni: 1 object\\(s\\) back to the payload \\(${esc(pc.images['multus-cni'])}\\), rolled out$`, 'm'));
    assert.match(restored.stdout, new RegExp(`^  Deployment ${NS.network}/network-operator: override removed, payload object back$`, 'm'));
    assert.match(restored.stdout, new RegExp(`^  operand DaemonSet ${NS.network}/multus runs the payload image again$`, 'm'));
    assert.deepEqual(await overrides(), []);
    const back = await networkOperator();
    assert.equal((back.spec.template.spec.containers[0].env as { name: string; value: string }[]).find((e) => e.name === 'MULTUS_IMAGE')?.value, pc.images['multus-cni']);
    assert.equal(back.metadata.annotations?.[OPERAND_RECORD_ANNOTATION], undefined);
    assert.equal(back.metadata.labels?.[OPERAND_PATCHED_LABEL], undefined);
    assert.equal(await multusImage(), pc.images['multus-cni']);
  });

  it("operand from args: rewrites only its -images= argument, keeps another user's overrides through patch and restore", async () => {
    const theirs = [
      { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespace: '', name: 'someone-elses', unmanaged: true },
      { kind: 'Deployment', group: 'apps', namespace: NS.mco, name: 'machine-config-operator', unmanaged: false },
    ];
    await setOverrides(theirs);
    const patched = await runCli(['cluster', 'patch', 'prometheus', dev.prometheus as string, '--insecure'], env, 300_000);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, new RegExp(`^    args operator\\[1\\]: -images=prometheus=${esc(pc.images.prometheus)} -> -images=prometheus=${esc(dev.prometheus as string)}$`, 'm'));
    assert.match(patched.stdout, new RegExp(`^Operand rolled out: Deployment ${NS.monitoring}/prometheus-k8s$`, 'm'));
    const ours = { kind: 'Deployment', group: 'apps', namespace: NS.monitoring, name: 'cluster-monitoring-operator', unmanaged: true };
    assert.deepEqual(await overrides(), [...theirs, ours]);
    const args = (await get(`/apis/apps/v1/namespaces/${NS.monitoring}/deployments/cluster-monitoring-operator`)).spec.template.spec.containers[0].args;
    assert.deepEqual(args, ['-namespace=openshift-monitoring', `-images=prometheus=${dev.prometheus}`, `-images=alertmanager=${pc.images['prometheus-alertmanager']}`]);
    assert.equal(await prometheusImage(), dev.prometheus);

    // cluster status: the patched operand, its object's override (ours; theirs not), the argument's edit, the rollouts.
    const status = await runCli(['cluster', 'status', '-o', 'json'], env);
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const prom = st.operands.find((p: any) => p.component === 'prometheus');
    assert.deepEqual([prom.payloadImage, prom.image, prom.rollout.state], [pc.images.prometheus, dev.prometheus, 'complete']);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    assert.deepEqual(prom.objects.map((o: any) => [o.kind, o.namespace, o.name, o.override, o.edits, o.rollout.state]), [
      ['Deployment', NS.monitoring, 'cluster-monitoring-operator', { ...ours, ours: true }, [{ field: 'args', container: 'operator', index: 1, from: `-images=prometheus=${pc.images.prometheus}`, to: `-images=prometheus=${dev.prometheus}` }], 'complete'],
    ]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    assert.deepEqual(prom.operands.map((o: any) => [o.kind, o.namespace, o.name, o.containers, o.rollout.state]), [['Deployment', NS.monitoring, 'prometheus-k8s', ['operand'], 'complete']]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    assert.deepEqual(st.overrides.map((o: any) => [o.kind, o.name, o.ours, o.operand]), [
      ['ClusterRole', 'someone-elses', false, undefined],
      ['Deployment', 'machine-config-operator', false, undefined],
      ['Deployment', 'cluster-monitoring-operator', true, 'prometheus'],
    ]);
    const text = await runCli(['cluster', 'status'], env);
    assert.equal(text.code, 0, text.stderr);
    const section = text.stdout.slice(text.stdout.indexOf('Patched operands'), text.stdout.indexOf('Cluster operators:'));
    assert.equal(
      section,
      [
        'Patched operands (1):',
        `  prometheus  ${pc.images.prometheus} -> ${dev.prometheus}  rollout complete`,
        `    Deployment ${NS.monitoring}/cluster-monitoring-operator  rollout complete`,
        `      override Deployment.apps/${NS.monitoring}/cluster-monitoring-operator unmanaged (okd-dev)`,
        `      args operator[1]: -images=prometheus=${pc.images.prometheus} -> -images=prometheus=${dev.prometheus}`,
        `    operand Deployment ${NS.monitoring}/prometheus-k8s (containers operand)  rollout complete`,
        '',
        '',
      ].join('\n'),
    );

    const restored = await runCli(['cluster', 'restore', '--all', '--insecure'], env, 300_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored prometheus: 1 object\(s\) back to the payload/m);
    assert.match(restored.stdout, /^Left in place \(not created by okd-dev\): ClusterRole\.rbac\.authorization\.k8s\.io\/someone-elses, Deployment\.apps\/openshift-machine-config-operator\/machine-config-operator$/m);
    assert.deepEqual(await overrides(), theirs);
    assert.equal(await prometheusImage(), pc.images.prometheus);
    const after = await runCli(['cluster', 'status', '-o', 'json'], env);
    assert.deepEqual(JSON.parse(after.stdout).operands, [], 'restored: no operand patch left');
    await setOverrides(null);
  });

  it('operand from a ConfigMap of the payload: overrides and rewrites the ConfigMap key, says no operand workload exists; -o json; restore', async () => {
    const patched = await runCli(['cluster', 'patch', 'keepalived-ipfailover', dev['keepalived-ipfailover'] as string, '--insecure', '-o', 'json'], env, 300_000);
    assert.equal(patched.code, 0, patched.stderr);
    const out = JSON.parse(patched.stdout);
    assert.deepEqual(out.plan.objects.map((o: { object: { kind: string; name: string }; override: unknown }) => [o.object.kind, o.object.name, o.override]), [
      ['ConfigMap', 'machine-config-operator-images', { kind: 'ConfigMap', group: '', namespace: NS.mco, name: 'machine-config-operator-images', unmanaged: true }],
    ]);
    assert.deepEqual(out.plan.operands, []);
    assert.match(out.plan.notes[0], /^no Deployment or DaemonSet in the cluster runs .*: its operator creates it/);
    assert.deepEqual(out.rollout, { operators: [], operands: [] });
    const json = JSON.parse(await imagesJson());
    assert.equal(json.keepalivedImage, dev['keepalived-ipfailover']);
    assert.equal(json.machineConfigOperator, pc.images['machine-config-operator']);
    assert.deepEqual((await overrides()).map((o) => [o.kind, o.name]), [['ConfigMap', 'machine-config-operator-images']]);
    await cvoPasses();
    assert.equal(JSON.parse(await imagesJson()).keepalivedImage, dev['keepalived-ipfailover'], 'the CVO leaves the overridden ConfigMap alone');
    // cluster status: the ConfigMap with our override and the key's edit (as the pullspecs it swapped); no operand workload.
    const status = await runCli(['cluster', 'status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        [
          `^  keepalived-ipfailover  ${esc(pc.images['keepalived-ipfailover'])} -> ${esc(dev['keepalived-ipfailover'] as string)}  rollout complete`,
          `    ConfigMap ${NS.mco}/machine-config-operator-images`,
          `      override ConfigMap/${NS.mco}/machine-config-operator-images unmanaged \\(okd-dev\\)`,
          `      data images.json: ${esc(pc.images['keepalived-ipfailover'])} -> ${esc(dev['keepalived-ipfailover'] as string)}$`,
        ].join('\n'),
        'm',
      ),
    );

    const text = await runCli(['cluster', 'patch', 'keepalived-ipfailover', dev['keepalived-ipfailover'] as string, '--insecure', '--dry-run'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /override ConfigMap\/openshift-machine-config-operator\/machine-config-operator-images unmanaged \(already set\)/);
    assert.match(text.stdout, /^ {2}note: no Deployment or DaemonSet in the cluster runs /m);

    const restored = await runCli(['cluster', 'restore', 'keepalived-ipfailover', '--insecure'], env, 300_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, new RegExp(`^  ConfigMap ${NS.mco}/machine-config-operator-images: override removed, payload object back$`, 'm'));
    assert.equal(JSON.parse(await imagesJson()).keepalivedImage, pc.images['keepalived-ipfailover']);
    assert.deepEqual(await overrides(), []);
    const cm = await get(`/api/v1/namespaces/${NS.mco}/configmaps/machine-config-operator-images`);
    assert.equal(cm.metadata.annotations?.[OPERAND_RECORD_ANNOTATION], undefined);
  });

  it("someone else's override of the same object stays: okd-dev writes the payload's text back itself on restore", async () => {
    const theirs = { kind: 'ConfigMap', group: '', namespace: NS.mco, name: 'machine-config-operator-images', unmanaged: true };
    await setOverrides([theirs]);
    const patched = await runCli(['cluster', 'patch', 'keepalived-ipfailover', dev['keepalived-ipfailover'] as string, '--insecure'], env, 300_000);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, /unmanaged \(already set\)$/m);
    assert.equal(JSON.parse(await imagesJson()).keepalivedImage, dev['keepalived-ipfailover']);
    const restored = await runCli(['cluster', 'restore', 'keepalived-ipfailover', '--insecure'], env, 300_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /: the override was not okd-dev's and is left, payload text put back by okd-dev$/m);
    assert.deepEqual(await overrides(), [theirs]);
    assert.equal(JSON.parse(await imagesJson()).keepalivedImage, pc.images['keepalived-ipfailover']);
    await setOverrides(null);
  });

  it('a failure half-way puts back the objects already patched and removes the overrides it added', async () => {
    // A user who may patch the ClusterVersion and ConfigMaps but not Deployments: the machine-config-operator's
    // ConfigMap is rewritten first, its Deployment's patch is refused.
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'okd-test-no-deployments' },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['config.openshift.io'], resources: ['clusterversions'], verbs: ['patch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] },
      ],
    };
    const subject = { kind: 'ServiceAccount', name: 'no-deployments', namespace: 'kube-system' };
    for (const [p, body] of [
      [`${rbac}/clusterroles`, role],
      [`${rbac}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'okd-test-no-deployments' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name }, subjects: [subject] }],
      ['/api/v1/namespaces/kube-system/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: subject.name } }],
    ] as const) {
      const r = await apiRequest(pc.cluster, 'POST', p, { body });
      assert.ok(r.code < 300, r.text);
    }
    const token = (await apiRequest(pc.cluster, 'POST', `/api/v1/namespaces/kube-system/serviceaccounts/${subject.name}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } })).json.status.token as string;
    const kubeconfig = path.join(path.dirname(pc.cluster.kubeconfigPath), 'no-deployments-kubeconfig');
    fs.writeFileSync(kubeconfig, stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: pc.cluster.url, 'certificate-authority-data': pc.cluster.caData } }],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 'limited', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'limited',
    }), { mode: 0o600 });
    const before = await imagesJson();
    const failed = await runCli(['cluster', 'patch', 'machine-config-operator', dev['keepalived-ipfailover'] as string, '--insecure'], cliEnv({ KUBECONFIG: kubeconfig }), 120_000);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /^Plan: machine-config-operator is an operand of release /m);
    assert.match(failed.stderr, /patching machine-config-operator failed: [^\n]*deployments\.apps[^\n]*the edits and the overrides okd-dev added were undone, the cluster is as before/);
    assert.deepEqual(await overrides(), []);
    assert.equal(await imagesJson(), before);
    const cm = await get(`/api/v1/namespaces/${NS.mco}/configmaps/machine-config-operator-images`);
    assert.equal(cm.metadata.annotations?.[OPERAND_RECORD_ANNOTATION], undefined);
    assert.equal(cm.metadata.labels?.[OPERAND_PATCHED_LABEL], undefined);
  });
});

import type { CancellationTokenLike } from '../../core/cancel';
import type { ClusterClient } from '../../core/cluster/client';
import { describeObject } from '../../core/cluster/operand';
import { type OperandPlan, patchOperand, planComponentPatch, renderOperandPlan, waitForOperandRollout } from '../../core/cluster/operandPatch';
import { formatOverride } from '../../core/cluster/overrides';
import { type OperatorPatchPlan, patchOperator, planOperatorPatch } from '../../core/cluster/patch';
import { waitForRollout } from '../../core/cluster/rollout';
import { describeWorkload } from '../../core/cluster/workloads';
import { OkdError } from '../../core/errors';
import { outputFormat, parseCommandArgs } from '../args';
import type { CliContext } from '../context';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect, interruptToken } from './clusterConnect';

const usage = `Usage: okd-dev cluster patch COMPONENT IMAGE [--dry-run] [-o json] [--no-wait] [--timeout SECONDS] [--no-pull-check | --add-pull-secret]

Runs IMAGE as OPERATOR in the cluster: adds an \`unmanaged: true\` ClusterVersion override for the operator's
Deployment or DaemonSet (so the cluster-version operator leaves it alone), sets the container image by digest and
every env var that carried the old image (OPERATOR_IMAGE, ...), records the original images on it, and waits for
the rollout (as \`kubectl rollout status\` judges it, with the pods' reasons when it fails). OPERATOR is a
component of the cluster's payload (cluster-monitoring-operator), NAMESPACE/NAME of a Deployment or DaemonSet of
the payload, or deployment/NAMESPACE/NAME or daemonset/NAMESPACE/NAME. Undo it with
\`okd-dev cluster restore OPERATOR\`.

When COMPONENT is an operand (its operators take its pullspec from an env var, an argument such as
-images=name=PULLSPEC, or a ConfigMap of the payload), every such object gets its own override and the reference
is rewritten to IMAGE; then the operators' rollouts, and the operand's own Deployment or DaemonSet when the cluster
has one, are waited for. \`okd-dev cluster restore COMPONENT\` puts every object back.

The plan (objects, overrides, edits) is printed before anything changes.

Options:
      --dry-run                print the plan and change nothing
  -o, --output json            the plan (and what was done) as JSON
      --no-wait                do not wait for the rollout
      --no-pull-check          patch without first checking that the cluster can pull IMAGE (its pull secrets)
      --add-pull-secret        when it cannot, add your own login for IMAGE to the global pull secret (restore removes it)
      --timeout SECONDS        how long to wait for the rollout (default 600)
  -a, --registry-config FILE, --insecure, --ca-file FILE, --filter-by-os OS/ARCH   registry options

${clusterOptionsUsage}`;

export function timeoutOption(value: string | undefined, usage: string): number {
  if (value === undefined) return 600_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout needs a number of seconds, got '${value}'`, usage);
  return seconds * 1000;
}

export async function clusterPatch(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...clusterOptions, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'no-pull-check': { type: 'boolean' }, 'add-pull-secret': { type: 'boolean' }, output: { type: 'string', short: 'o' } },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length !== 2) throw new UsageError(positionals.length < 2 ? `missing ${positionals.length ? 'IMAGE' : 'OPERATOR and IMAGE'}` : `unexpected argument '${positionals[2]}'`, usage);
  const [operator, image] = positionals as [string, string];
  const timeoutMs = timeoutOption(values.timeout, usage);
  const json = outputFormat(values.output, usage) === 'json';
  const dryRun = values['dry-run'] === true;
  const { client, context } = await connect(values);
  const interrupt = interruptToken();
  try {
    const payload = { registry: context.registry, cache: context.cache, ...(context.platform ? { platform: context.platform } : {}), token: interrupt.token };
    const planned = await planComponentPatch(client, { ...payload, component: operator, image, onStep: (message) => context.progress(`${message}...`) });
    context.progress('');
    if (planned.kind === 'operand') {
      const { plan } = planned;
      if (!json) process.stdout.write(renderOperandPlan(plan));
      if (dryRun) {
        process.stdout.write(json ? `${JSON.stringify({ dryRun: true, plan }, null, 2)}\n` : 'Dry run: nothing changed.\n');
        return;
      }
      const result = await patchOperand(client, plan, planned.references, { token: interrupt.token, onStep: (message) => context.progress(`${message}...`) });
      context.progress('');
      if (!json) process.stdout.write(`Patched ${plan.component}: ${result.objects.length} object(s) now name ${plan.image}\n`);
      const rollout = values['no-wait'] ? undefined : await waitOperand(client, plan, operator, timeoutMs, interrupt.token, context, json);
      if (json) process.stdout.write(`${JSON.stringify({ plan, objects: result.objects, ...(rollout ? { rollout } : {}) }, null, 2)}\n`);
      else if (!rollout) process.stdout.write(`Not waiting for the rollout. Restore with: okd-dev cluster restore ${operator}\n`);
      return;
    }
    if (dryRun || json) {
      const plan = await planOperatorPatch(client, { ...payload, operator, image });
      if (dryRun) {
        process.stdout.write(json ? `${JSON.stringify({ dryRun: true, plan }, null, 2)}\n` : `${renderOperatorPlan(plan)}Dry run: nothing changed.\n`);
        return;
      }
    }
    const result = await patchOperator(client, {
      operator,
      image,
      registry: context.registry,
      cache: context.cache,
      ...(context.platform ? { platform: context.platform } : {}),
      token: interrupt.token,
      onStep: (message) => context.progress(`${message}...`),
      ...(values['no-pull-check'] ? {} : { pullAccess: { insecure: values.insecure ?? false, ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}), logger: context.logger } }),
      ...(values['add-pull-secret'] ? { addPullSecret: { ...(values['registry-config'] ? { authFile: values['registry-config'] } : {}), logger: context.logger } } : {}),
    });
    context.progress('');
    const { target } = result;
    const out: string[] = [`Patched ${operator}: ${describeWorkload(target.kind, target.namespace, target.name)} (release ${result.release.version})`];
    out.push(`  override ${formatOverride(result.override)} unmanaged${result.overrideAdded ? ' added' : ' (already set)'}`);
    for (const [container, original] of Object.entries(result.record.containers)) out.push(`  container ${container}: ${original} -> ${result.image}`);
    for (const [container, envs] of Object.entries(result.record.env)) for (const name of Object.keys(envs)) out.push(`  env ${container}/${name} -> ${result.image}`);
    if (!json) process.stdout.write(`${out.join('\n')}\n`);
    if (values['no-wait']) {
      if (json) {
        process.stdout.write(`${JSON.stringify({ target, image: result.image, override: result.override, overrideAdded: result.overrideAdded, record: result.record }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`Not waiting for the rollout. Restore with: okd-dev cluster restore ${operator}\n`);
      return;
    }
    try {
      const state = await waitForRollout(client, {
        kind: target.kind,
        namespace: target.namespace,
        name: target.name,
        expect: { images: Object.fromEntries(target.containers.map((c) => [c.name, result.image])), mode: 'required' },
        timeoutMs,
        token: interrupt.token,
        onProgress: (progress) => context.progress(`rollout: ${progress.message}`),
      });
      context.progress('');
      if (json) process.stdout.write(`${JSON.stringify({ target, image: result.image, override: result.override, overrideAdded: result.overrideAdded, record: result.record, rollout: state.progress }, null, 2)}\n`);
      else process.stdout.write(`Rollout complete: ${state.progress.message}\nRestore with: okd-dev cluster restore ${operator}\n`);
    } catch (err) {
      context.progress('');
      if (err instanceof OkdError) throw new OkdError(err.kind, err.message, `the patch stays in place; fix the image and patch again, or restore with \`okd-dev cluster restore ${operator}\``, { cause: err });
      throw err;
    }
  } finally {
    interrupt.dispose();
  }
}

function renderOperatorPlan(plan: OperatorPatchPlan): string {
  const { target } = plan;
  const out = [`Plan: ${target.operator} is ${describeWorkload(target.kind, target.namespace, target.name)} of release ${plan.release.version}`];
  out.push(`  override ${formatOverride(plan.override)} unmanaged${plan.overrideSet ? ' (already set)' : ''}`);
  for (const [container, now] of Object.entries(plan.containers)) out.push(`  container ${container}: ${now} -> ${plan.image}`);
  for (const [container, envs] of Object.entries(plan.env)) for (const [name, now] of Object.entries(envs)) out.push(`  env ${container}/${name}: ${now} -> ${plan.image}`);
  return `${out.join('\n')}\n`;
}

/** The operand's rollouts after its patch; a failure leaves the patch in place and says how to undo it. */
async function waitOperand(
  client: ClusterClient,
  plan: OperandPlan,
  component: string,
  timeoutMs: number,
  token: CancellationTokenLike,
  context: CliContext,
  json: boolean,
): Promise<{ operators: string[]; operands: string[] }> {
  try {
    const done = await waitForOperandRollout(client, plan, {
      timeoutMs,
      token,
      onStep: (message) => context.progress(`${message}...`),
      onProgress: (progress) => context.progress(`rollout: ${progress.message}`),
    });
    context.progress('');
    if (!json) {
      const operators = done.operators.length ? done.operators.join(', ') : `none (only ${plan.objects.map((o) => describeObject(o.object)).join(', ')} changed)`;
      process.stdout.write(`Rollout complete: operators ${operators}\n`);
      process.stdout.write(done.operands.length ? `Operand rolled out: ${done.operands.join(', ')}\n` : `No operand workload in the cluster runs ${plan.payloadImage}: waited only for what exists\n`);
      process.stdout.write(`Restore with: okd-dev cluster restore ${component}\n`);
    }
    return done;
  } catch (err) {
    context.progress('');
    if (err instanceof OkdError) throw new OkdError(err.kind, err.message, `the patch stays in place; fix the image and patch again, or restore with \`okd-dev cluster restore ${component}\``, { cause: err });
    throw err;
  }
}

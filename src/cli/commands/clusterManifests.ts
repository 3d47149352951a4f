import { readClusterRelease } from '../../core/cluster/patch';
import { formatOverride } from '../../core/cluster/overrides';
import { apply } from '../../core/manifests/apply';
import { diff, diffSummary, renderDiff } from '../../core/manifests/diff';
import { formatRef } from '../../core/manifests/objects';
import { render } from '../../core/manifests/render';
import { describeRestoredManifests, restoreManifests } from '../../core/manifests/undo';
import { outputFormat, parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect, interruptToken } from './clusterConnect';
import { timeoutOption } from './clusterPatch';

const applyUsage = `Usage: okd-dev cluster apply-manifests [DIR] [--component NAME] [--dry-run] [-o json]

Renders the checkout's manifests/ (DIR, default the current folder) for the release the cluster runs, as
\`oc adm release new\` would (image-references placeholders become the payload's digest pullspecs, 0.0.1-snapshot
the release version, files get their 0000_50_<component>_ names), compares each object with the cluster's in the
fields the cluster-version operator owns (CRD spec, Role and ClusterRole rules, bindings, ConfigMap data, the
workload containers' env, args and command, labels and annotations), and applies what is new or changed, each
behind its own ClusterVersion override. What was there is kept in a ConfigMap okd-dev-manifests-<component> in the
component's namespace; \`okd-dev cluster restore-manifests COMPONENT\` puts the payload's objects back.

Options:
      --component NAME         the payload component the checkout builds (default: the image-references tag its
                               workload runs)
      --dry-run                print the difference and change nothing
  -o, --output json            print the difference (and what was applied) as JSON
  -a, --registry-config FILE, --insecure, --ca-file FILE, --filter-by-os OS/ARCH   registry options

${clusterOptionsUsage}`;

const restoreUsage = `Usage: okd-dev cluster restore-manifests COMPONENT [--no-wait] [--timeout SECONDS] [-o json]

Undoes apply-manifests for COMPONENT, from the record in the cluster (so from any machine): deletes the objects it
created that the payload does not have, writes back the fields it changed, removes the overrides it added (an
override that was there before stays) and waits until the cluster-version operator has put the payload's objects
back.

Options:
      --no-wait                do not wait for the cluster-version operator
      --timeout SECONDS        how long to wait (default 300)
  -o, --output json            print what was restored as JSON
  -a, --registry-config FILE, --insecure, --ca-file FILE, --filter-by-os OS/ARCH   registry options

${clusterOptionsUsage}`;

export async function clusterApplyManifests(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...clusterOptions, component: { type: 'string' }, 'dry-run': { type: 'boolean' }, output: { type: 'string', short: 'o' } },
    applyUsage,
  );
  if (values.help) {
    process.stdout.write(`${applyUsage}\n`);
    return;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, applyUsage);
  const format = outputFormat(values.output, applyUsage);
  const dir = positionals[0] ?? process.cwd();
  const { client, context } = await connect(values);
  const interrupt = interruptToken();
  try {
    context.progress('reading the cluster\'s release...');
    const { release } = await readClusterRelease(client, {
      registry: context.registry,
      cache: context.cache,
      ...(context.platform ? { platform: context.platform } : {}),
      token: interrupt.token,
    });
    const rendered = await render(dir, release, values.component ? { component: values.component } : {});
    context.progress('comparing with the cluster...');
    const d = await diff(client, rendered);
    context.progress('');
    if (values['dry-run']) {
      process.stdout.write(format === 'json' ? `${JSON.stringify({ ...diffSummary(d), dryRun: true }, null, 2)}\n` : `${renderDiff(d)}\nDry run: nothing was changed.\n`);
      return;
    }
    if (format === 'text') process.stdout.write(`${renderDiff(d)}\n`);
    const result = await apply(client, d, { token: interrupt.token, onStep: (message) => context.progress(`${message}...`) });
    context.progress('');
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ ...diffSummary(d), applied: result.applied.map((a) => ({ object: formatRef(a.ref), how: a.how, override: a.override, overrideAdded: a.overrideAdded })), record: result.record, warnings: result.warnings }, null, 2)}\n`);
      return;
    }
    if (!result.applied.length) {
      process.stdout.write('Nothing to apply: the cluster holds these manifests.\n');
      return;
    }
    const out = result.applied.map((a) => `  ${a.how} ${formatRef(a.ref)}, override ${formatOverride(a.override)}${a.overrideAdded ? ' added' : ' (already set)'}`);
    process.stdout.write(`Applied ${result.applied.length} object${result.applied.length === 1 ? '' : 's'} of ${result.component}:\n${out.join('\n')}\n`);
    for (const w of result.warnings.filter((w) => !d.warnings.includes(w))) process.stdout.write(`warning: ${w}\n`);
    process.stdout.write(`Recorded in ConfigMap ${result.record.namespace}/${result.record.name}. Restore with: okd-dev cluster restore-manifests ${result.component}\n`);
  } finally {
    interrupt.dispose();
  }
}

export async function clusterRestoreManifests(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...clusterOptions, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' }, output: { type: 'string', short: 'o' } },
    restoreUsage,
  );
  if (values.help) {
    process.stdout.write(`${restoreUsage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'missing COMPONENT', restoreUsage);
  const format = outputFormat(values.output, restoreUsage);
  const timeoutMs = values.timeout === undefined ? 300_000 : timeoutOption(values.timeout, restoreUsage);
  const { client, context } = await connect(values);
  const interrupt = interruptToken();
  try {
    const result = await restoreManifests(client, positionals[0] as string, {
      registry: context.registry,
      cache: context.cache,
      ...(context.platform ? { platform: context.platform } : {}),
      token: interrupt.token,
      wait: !values['no-wait'],
      timeoutMs,
      onStep: (message) => context.progress(`${message}...`),
    });
    context.progress('');
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ ...result, restored: result.restored.map((r) => ({ object: formatRef(r.ref), how: r.how, overrideRemoved: r.overrideRemoved })) }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${describeRestoredManifests(result)}\n`);
  } finally {
    interrupt.dispose();
  }
}

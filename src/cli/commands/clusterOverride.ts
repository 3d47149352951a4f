import { addOverride, formatOverride, parseOverrideRef, removeOverride } from '../../core/cluster/overrides';
import { OkdError } from '../../core/errors';
import { outputFormat, parseCommandArgs } from '../args';
import { UsageError } from '../usage';
import { clusterOptions, clusterOptionsUsage, connect } from './clusterConnect';

const usage = `Usage: okd-dev cluster override list [-o json]
       okd-dev cluster override add TYPE/NAMESPACE/NAME [--group GROUP] [--managed]
       okd-dev cluster override remove TYPE/NAMESPACE/NAME [--group GROUP]

Lists, adds or removes ClusterVersion overrides (spec.overrides). An \`unmanaged: true\` override makes the
cluster-version operator leave that object alone. Writes keep every other entry and its place, and are guarded
against a concurrent writer (re-read and retried), never a merge patch of the whole list.

TYPE is a kind as kubectl spells it (deployment, deploy, daemonset, clusterrole, crd, ...) or Kind.group for any
other kind (ConsolePlugin.console.openshift.io). Cluster-scoped objects are TYPE/NAME. Examples:
  okd-dev cluster override add deployment/openshift-image-registry/cluster-image-registry-operator
  okd-dev cluster override add clusterrole/system:openshift:operator:cluster-image-registry-operator
  okd-dev cluster override remove deployment/openshift-image-registry/cluster-image-registry-operator

${clusterOptionsUsage}`;

export async function clusterOverride(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...clusterOptions, output: { type: 'string', short: 'o' }, group: { type: 'string' }, managed: { type: 'boolean' } },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const [action, ref, ...extra] = positionals;
  if (!action) throw new UsageError("'cluster override' needs list, add or remove", usage);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`, usage);
  const format = outputFormat(values.output, usage);
  switch (action) {
    case 'list': {
      if (ref) throw new UsageError(`unexpected argument '${ref}'`, usage);
      const { client } = await connect(values);
      const overrides = (await client.getClusterVersion()).spec?.overrides ?? [];
      if (format === 'json') process.stdout.write(`${JSON.stringify(overrides, null, 2)}\n`);
      else if (!overrides.length) process.stdout.write('No overrides.\n');
      else for (const o of overrides) process.stdout.write(`${formatOverride(o)} ${o.unmanaged ? 'unmanaged' : 'managed'}\n`);
      return;
    }
    case 'add':
    case 'remove': {
      if (!ref) throw new UsageError(`missing TYPE/NAMESPACE/NAME`, usage);
      let key;
      try {
        key = parseOverrideRef(ref, values.group);
      } catch (err) {
        throw err instanceof OkdError ? new UsageError(err.describe(), usage) : err;
      }
      const { client } = await connect(values);
      const entry = { ...key, unmanaged: !values.managed };
      const result = action === 'add' ? await addOverride(client, entry) : await removeOverride(client, key);
      const what = formatOverride(key);
      if (format === 'json') {
        process.stdout.write(`${JSON.stringify({ changed: result.changed, overrides: result.overrides }, null, 2)}\n`);
        return;
      }
      if (action === 'add') process.stdout.write(result.changed ? `Added override ${what} ${entry.unmanaged ? 'unmanaged' : 'managed'}\n` : `Override ${what} was already set\n`);
      else process.stdout.write(result.changed ? `Removed override ${what}\n` : `No override ${what} to remove\n`);
      return;
    }
    default:
      throw new UsageError(`unknown override action '${action}': use list, add or remove`, usage);
  }
}

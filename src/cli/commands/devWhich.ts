import { readClusterRelease } from '../../core/cluster/patch';
import { readRelease } from '../../core/release/reader';
import { describeWorkspace, describeWorkspaceComponent } from '../../core/workspace';
import { outputFormat, parseCommandArgs } from '../args';
import { createContext } from '../context';
import { UsageError } from '../usage';
import { connectCluster, devOptions, devOptionsUsage } from './devOptions';

const usage = `Usage: okd-dev dev which [--path DIR] [--release PULLSPEC | --kubeconfig FILE --context NAME] [-o json]

Says which payload component the checkout builds (its git remote is the component's io.openshift.build.source-location)
and where it runs: "this workspace builds cluster-image-registry-operator, which runs as Deployment
openshift-image-registry/cluster-image-registry-operator (container cluster-image-registry-operator)".

${devOptionsUsage}`;

export async function devWhich(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, devOptions, usage);
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, usage);
  const format = outputFormat(values.output, usage);
  const context = createContext(values);
  const release = values.release
    ? await readRelease(values.release, { registry: context.registry, cache: context.cache, platform: context.platform, logger: context.logger })
    : (await readClusterRelease(await connectCluster(values, context), { registry: context.registry, cache: context.cache, platform: context.platform })).release;
  const workspace = await describeWorkspace(values.path ?? process.cwd(), release, values.component ? { component: values.component } : {});
  if (format === 'json') {
    const json = {
      root: workspace.git.root,
      commit: workspace.git.commit,
      dirty: workspace.git.dirty,
      release: release.version,
      component: workspace.match.component,
      image: workspace.match.pullSpec,
      source: workspace.match.source,
      remote: workspace.match.remote,
      placements: workspace.match.placements,
      otherComponents: workspace.components.slice(1).map((c) => c.component),
      dockerfiles: workspace.dockerfiles,
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const lines = [
    `${describeWorkspaceComponent(workspace.match).replace(/^t/, 'T')}.`,
    `Release:    ${release.version}`,
    `Image:      ${workspace.match.pullSpec} (commit ${workspace.match.commit.slice(0, 12) || 'unknown'})`,
    `Checkout:   ${workspace.git.root} at ${workspace.git.commit.slice(0, 12) || 'no commit'}${workspace.git.dirty ? ' with local changes' : ''} (remote ${workspace.match.remote.name} ${workspace.match.remote.url})`,
    `Dockerfile: ${workspace.dockerfiles[0] ?? 'none found'}${workspace.dockerfiles.length > 1 ? ` (also ${workspace.dockerfiles.slice(1).join(', ')})` : ''}`,
  ];
  if (workspace.components.length > 1) lines.push(`Also builds: ${workspace.components.slice(1).map((c) => c.component).join(', ')} (choose with --component)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

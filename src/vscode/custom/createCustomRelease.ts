import vscode = require('vscode');
import { formatStageTimes } from '../../core/devloop/stages';
import { OkdError } from '../../core/errors';
import { formatPullspec, parsePullspec } from '../../core/pullspec';
import { createRelease, type NewReleaseResult } from '../../core/release/new';
import { asNode, releaseArgument } from '../releases/args';
import { buildFromWorkspace, workspaceCheckouts } from './buildFromWorkspace';
import type { ReleaseCommand } from '../releases/commands/types';
import type { ReleaseExplorer } from '../releases/explorer';
import { devRepositorySetting, pickComponents, pickReplacementImage } from './pickImage';
import { type CreateArgs, defaultCustomTarget, parseCreateArgs, targetProblem } from './plan';

/** What the command returns (tests read it): the new payload by tag and digest, its name and what was replaced. */
export interface CreatedRelease {
  pullSpec: string;
  digestPullSpec: string;
  name: string;
  from: string;
  replaced: NewReleaseResult['replaced'];
  warnings: string[];
}

/**
 * okd.createCustomRelease (release node | pullspec | {release, replacements: {name: image}, to, name?}):
 * `oc adm release new --from-release OLD NAME=IMAGE... --to-image NEW` from the editor. Picks the components to
 * replace, each new image (inner-loop pushes in okd.devRepository, or any pullspec) and the target; builds the
 * payload with progress and cancel; pins the result and reveals it in the Release Explorer.
 */
export const createCustomRelease: ReleaseCommand = {
  id: 'okd.createCustomRelease',
  async run(explorer, arg) {
    const services = explorer.services;
    const given = parseCreateArgs(arg);
    const source = given?.release ?? (await releaseArgument(explorer, arg, 'Create Custom Release: source release'));
    if (!source) return undefined;
    const request = given ?? (await askForRequest(explorer, source, arg));
    if (!request) return undefined;

    const to = formatTarget(request.to);
    services.logger.info(`okd.createCustomRelease: ${source} ${request.dirs ? `from ${request.dirs.join(' ')}` : request.replacements.map((r) => `${r.name}=${r.image}`).join(' ')} -> ${to}`);
    const platform = services.platform();
    const fromImages = (force: boolean) =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating custom release ${to}`, cancellable: true }, (progress, token) =>
        createRelease({
          registry: services.registry(),
          cache: services.cache(),
          from: source,
          replacements: request.replacements,
          to,
          ...(request.name ? { name: request.name } : {}),
          ...(force ? { force: true } : {}),
          ...(platform ? { platform } : {}),
          token,
          logger: services.logger,
          progress: (message) => {
            if (message) progress.report({ message });
          },
        }),
      );
    // From the workspace folders: each checkout built and pushed first (`release build`), then the same payload.
    const dirs = request.dirs;
    // From the workspace, each checkout's stage times too, for the result: `cluster-samples-operator: prepare 0.2 s, build 41.3 s, push 1.1 s`.
    const build = async (force: boolean): Promise<{ release: NewReleaseResult; built: string[] }> => {
      if (!dirs) return { release: await fromImages(force), built: [] };
      const done = await buildFromWorkspace(services, { release: source, dirs, to, ...(request.name ? { name: request.name } : {}), force, ...(request.env ? { env: request.env } : {}) });
      return { release: done.release, built: done.checkouts.map((c) => `${c.component}: ${formatStageTimes(c.stages)}`) };
    };
    let outcome: { release: NewReleaseResult; built: string[] };
    try {
      outcome = await build(request.force === true);
    } catch (err) {
      // An existing target tag: ask (the CLI says "pass --force"); tests pass force in the args.
      if (!(err instanceof OkdError && err.kind === 'conflict') || given) throw err;
      const replace = await vscode.window.showWarningMessage(`${err.message}. Replace it?`, { modal: true }, 'Replace');
      if (replace !== 'Replace') return undefined;
      outcome = await build(true);
    }
    const { release: result, built } = outcome;
    services.logger.info(
      `okd.createCustomRelease: pushed ${result.tagPullSpec} (${result.pullSpec}), ${result.uploadedBytes} bytes uploaded, ${result.mountedBlobs} base layers mounted, ${result.copiedBlobs} copied`,
    );
    for (const w of result.warnings) services.logger.warn(`okd.createCustomRelease: ${w}`);

    // Pinned by tag (what a user reads), then shown expanded in the Release Explorer.
    await explorer.pin(result.tagPullSpec);
    await vscode.commands.executeCommand('okd.revealInExplorer', { release: result.tagPullSpec });

    const replaced = result.replaced.map((r) => r.name).join(', ');
    const message = `Created ${result.name} (${replaced} replaced)${built.length ? `. ${built.join('; ')}` : ''}${result.warnings.length ? `. ${result.warnings.join('; ')}` : ''}`;
    void vscode.window.showInformationMessage(message, 'Compare with Source', 'Extract Installer...').then((choice) => {
      if (choice === 'Compare with Source') void vscode.commands.executeCommand('okd.compareWithSource', result.tagPullSpec);
      else if (choice === 'Extract Installer...') void vscode.commands.executeCommand('okd.extractInstaller', result.tagPullSpec);
    });
    const created: CreatedRelease = {
      pullSpec: result.tagPullSpec,
      digestPullSpec: result.pullSpec,
      name: result.name,
      from: result.from,
      replaced: result.replaced,
      warnings: result.warnings,
    };
    return created;
  },
};

function formatTarget(text: string): string {
  const problem = targetProblem(text);
  if (problem) throw new OkdError('invalid-input', `target ${text}: ${problem}`);
  const ref = parsePullspec(text.trim());
  // Keep "repository without a tag" as such: createRelease then tags it with the release name, as oc does.
  return ref.tag ? formatPullspec(ref) : `${ref.registry}/${ref.repository}`;
}

/** The pickers: components (multi-select), an image for each, the target. Undefined when dismissed. */
async function askForRequest(explorer: ReleaseExplorer, source: string, arg: unknown): Promise<CreateArgs | undefined> {
  const release = await explorer.loadRelease(source);
  const checkouts = workspaceCheckouts();
  if (checkouts.length) {
    const how = await vscode.window.showQuickPick(
      [
        { label: 'Images you pick', description: 'inner-loop pushes or any pullspec, per component', dirs: undefined },
        { label: 'Build the workspace folders', description: `${checkouts.length} checkout${checkouts.length === 1 ? '' : 's'}, each building its component`, dirs: checkouts },
      ],
      { title: 'Create Custom Release: replace components with', ignoreFocusOut: true },
    );
    if (!how) return undefined;
    if (how.dirs) {
      const to = await askForTarget(source, release.version, `${how.dirs.length} checkouts built`);
      return to ? { release: source, replacements: [], dirs: how.dirs, to } : undefined;
    }
  }
  const node = asNode(arg);
  const preselect = node?.kind === 'image' ? node.component.name : undefined;
  const components = await pickComponents(release, preselect);
  if (!components) return undefined;
  const total = components.length + 1;
  const replacements: CreateArgs['replacements'] = [];
  for (const [i, component] of components.entries()) {
    const image = await pickReplacementImage(explorer.services, release, component, { step: i + 1, total });
    if (!image) return undefined;
    replacements.push({ name: component.name, image });
  }
  const to = await askForTarget(source, release.version, `replaced: ${replacements.map((r) => r.name).join(', ')}`);
  if (!to) return undefined;
  return { release: source, replacements, to };
}

/** The target repository:tag, suggested from okd.devRepository (or the source repository) and the release name. */
async function askForTarget(source: string, version: string, what: string): Promise<string | undefined> {
  const suggestion = defaultCustomTarget(source, version, devRepositorySetting(), new Date());
  const to = await vscode.window.showInputBox({
    title: 'Create Custom Release: target',
    prompt: `Where to push the new payload: repository:tag (${what})`,
    value: suggestion,
    valueSelection: [suggestion.lastIndexOf(':') + 1, suggestion.length],
    ignoreFocusOut: true,
    validateInput: (value) => targetProblem(value),
  });
  return to?.trim() || undefined;
}

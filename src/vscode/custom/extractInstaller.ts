import * as path from 'node:path';
import vscode = require('vscode');
import { OkdError } from '../../core/errors';
import { extractCommand, type ExtractCommandResult } from '../../core/release/extract';
import { releaseArgument } from '../releases/args';
import type { ReleaseCommand } from '../releases/commands/types';

const COMMAND = 'openshift-install';

/**
 * okd.extractInstaller (release | {release, to}): `oc adm release extract --command=openshift-install --to DIR`.
 * Picks the folder, extracts with progress and cancel, and shows where the file went (with Reveal when the UI
 * runs where the file is). Returns the extract result (tests read `file`).
 */
export const extractInstaller: ReleaseCommand = {
  id: 'okd.extractInstaller',
  async run(explorer, arg) {
    const services = explorer.services;
    const given = typeof arg === 'object' && arg !== null && typeof (arg as { to?: unknown }).to === 'string' ? (arg as { release?: unknown; to: string }) : undefined;
    const pullSpec = given && typeof given.release === 'string' ? given.release : await releaseArgument(explorer, arg, 'Extract Installer: release');
    if (!pullSpec) return undefined;
    const release = await explorer.loadRelease(pullSpec);
    // Before asking for a folder: a release with no image holding the installer at all. Which of the two serves
    // this machine (installer for the payload's own linux arch, installer-artifacts for others) extractCommand picks.
    const holders = ['installer', 'installer-artifacts'];
    if (!release.components.some((c) => holders.includes(c.name))) {
      throw new OkdError('not-found', `release ${release.version} has no installer or installer-artifacts image, which hold ${COMMAND}`, 'extract the installer from a payload that ships one (every OKD release does)');
    }
    let dir = given?.to;
    if (!dir) {
      const folders = await vscode.window.showOpenDialog({
        title: `Extract ${COMMAND} of ${release.version} into...`,
        openLabel: 'Extract Here',
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
      });
      if (!folders?.[0]) return undefined;
      dir = folders[0].fsPath;
    }
    const target = dir;
    services.logger.info(`okd.extractInstaller: ${pullSpec} -> ${target}`);
    const platform = services.platform();
    const result: ExtractCommandResult = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Extracting ${COMMAND} of ${release.version}`, cancellable: true },
      (progress, token) =>
        extractCommand({
          registry: services.registry(),
          cache: services.cache(),
          from: pullSpec,
          command: COMMAND,
          dir: target,
          ...(platform ? { platform } : {}),
          token,
          logger: services.logger,
          progress: (message) => {
            if (message) progress.report({ message });
          },
        }),
    );
    services.logger.info(`okd.extractInstaller: wrote ${result.file} (${result.size} bytes): ${result.patched.map((p) => `${p.name}=${p.value}`).join(', ')}`);
    const missing = result.missing.length ? ` It has no slot for ${result.missing.join(', ')}, so those defaults were not set.` : '';
    const text = `Extracted ${COMMAND} for ${release.version} to ${result.file}.${missing}`;
    // Reveal in the OS only when the file is on the machine the UI runs on (not in a remote or web UI).
    const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
    const show = missing ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(text, ...(local ? ['Reveal'] : []), 'Copy Path').then((choice) => {
      if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.file));
      else if (choice === 'Copy Path') void vscode.env.clipboard.writeText(result.file);
    });
    return { ...result, dir: path.dirname(result.file) };
  },
};

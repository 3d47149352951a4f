import vscode = require('vscode');
import { describeError } from '../../../core/errors';
import { formatPullspec, parsePullspec } from '../../../core/pullspec';
import type { ReleaseCommand } from './types';

/**
 * okd.addRelease [pullspec]: pins a release payload (asking for its pullspec when none is given), reads it with
 * progress and reveals it expanded. Returns the pinned pullspec.
 */
export const addRelease: ReleaseCommand = {
  id: 'okd.addRelease',
  async run(explorer, arg) {
    const text =
      typeof arg === 'string'
        ? arg
        : await vscode.window.showInputBox({
            title: 'Add Release by Pullspec',
            prompt: 'The pullspec of a release payload, by tag or digest',
            placeHolder: 'quay.io/okd/scos-release:4.19.0-okd-scos.16',
            ignoreFocusOut: true,
            validateInput: (value) => {
              if (!value.trim()) return undefined;
              try {
                parsePullspec(value.trim());
                return undefined;
              } catch (err) {
                return describeError(err);
              }
            },
          });
    if (!text?.trim()) return undefined;
    const pullSpec = formatPullspec(parsePullspec(text.trim()));
    explorer.services.logger.info(`okd.addRelease: ${pullSpec}`);
    const node = await explorer.pin(pullSpec);
    await explorer.view.reveal(node, { select: true, focus: false, expand: false });
    await explorer.loadRelease(pullSpec);
    await explorer.view.reveal(node, { select: true, focus: true, expand: 1 });
    return pullSpec;
  },
};

import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { sourceRepositoryUrl } from '../operatorRows';
import { operatorArgument } from './operatorArg';
import type { ReleaseCommand } from './types';

/** okd.openSourceRepository (an operator or image row, or {release, operator|component}): the source at its commit. */
export const openSourceRepository: ReleaseCommand = {
  id: 'okd.openSourceRepository',
  async run(explorer, arg) {
    const { release, component } = await operatorArgument(explorer, arg, 'Open Source Repository');
    const url = sourceRepositoryUrl(component);
    if (!url) {
      throw new OkdError(
        'not-found',
        `image ${component.name} of ${release.version} names no source repository (source "${component.source}")`,
        'its io.openshift.build.source-location annotation is empty or not an http(s) address',
      );
    }
    explorer.services.logger.info(`okd.openSourceRepository: ${url}`);
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return url;
  },
};

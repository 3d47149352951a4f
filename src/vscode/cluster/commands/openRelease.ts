import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { type ClusterCommand, nodeArg, optionsArg, stringOption } from './types';

/**
 * okd.cluster.openRelease: shows the cluster's current release (or `{image}`) in the Release Explorer, through
 * okd.revealInExplorer (which pins it when no source lists it).
 */
export const openRelease: ClusterCommand = {
  id: 'okd.cluster.openRelease',
  async run({ model }, arg) {
    const node = nodeArg(arg);
    let image = node?.kind === 'release' ? node.image : (stringOption(optionsArg(arg), 'image') ?? (typeof arg === 'string' ? arg : undefined));
    if (!image) {
      await model.load();
      image = model.status?.release?.image;
    }
    if (!image) throw new OkdError('not-found', 'the cluster reports no current release image', 'refresh the Cluster view');
    return vscode.commands.executeCommand('okd.revealInExplorer', { release: image });
  },
};

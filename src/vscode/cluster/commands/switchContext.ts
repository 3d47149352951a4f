import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import { OkdError } from '../../../core/errors';
import { readSettings } from '../../settings';
import { listContexts } from '../contexts';
import { type ClusterCommand, optionsArg, stringOption } from './types';

/**
 * okd.cluster.switchContext: a QuickPick of the kubeconfig's contexts; writes okd.context (user settings), which
 * reconnects the Cluster view. `{context}` or a string skips the picker; `{context: ''}` goes back to the
 * kubeconfig's current-context. Returns the context set.
 */
export const switchContext: ClusterCommand = {
  id: 'okd.cluster.switchContext',
  async run({ services }, arg) {
    const options = optionsArg(arg);
    const settings = readSettings();
    let context: string | undefined = typeof arg === 'string' ? arg : options && typeof options['context'] === 'string' ? (options['context'] as string).trim() : undefined;
    if (context === undefined) {
      const { files, contexts } = await listContexts(settings.kubeconfig || undefined);
      if (!contexts.length) throw new OkdError('not-found', `the kubeconfig (${files.join(', ')}) has no contexts`, 'log in with `oc login`');
      const items = contexts.map((c) => ({
        label: c.name,
        description: [c.server ?? c.cluster, c.user, c.current ? 'current-context' : ''].filter(Boolean).join(' · '),
        picked: settings.context ? c.name === settings.context : c.current,
        context: c.current && !settings.context ? '' : c.name,
      }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Switch Cluster Context', placeHolder: `Contexts in ${files.join(', ')}`, ignoreFocusOut: true });
      if (!picked) throw new CancelledError('switching the context');
      context = picked.context;
    }
    const named = stringOption({ context }, 'context') ?? '';
    services.logger.info(`cluster: switch context to ${named || "the kubeconfig's current-context"}`);
    await vscode.workspace.getConfiguration('okd').update('context', named, vscode.ConfigurationTarget.Global);
    return named;
  },
};

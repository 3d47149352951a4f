import vscode = require('vscode');
import { CLUSTER_VIEW_ID } from './viewId';


export type Report = (message: string) => void;

/**
 * Runs `task` in a cancellable progress notification, with the Cluster view's progress bar running as long as it
 * does (the view whose rows the work changes says it is busy, even with the notification filed away). Commands
 * gather their input (pickers, confirmation) first and only then start this, so Cancel always means "stop the
 * cluster work".
 */
export function withClusterProgress<T>(title: string, task: (report: Report, token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: { viewId: CLUSTER_VIEW_ID } }, () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
        task((message) => progress.report({ message }), token),
      ),
    ),
  );
}

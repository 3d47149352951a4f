import vscode = require('vscode');

export type Report = (message: string) => void;

/**
 * Runs `task` in a cancellable progress notification. Commands gather their input (pickers, confirmation) first
 * and only then start this, so Cancel always means "stop the cluster work".
 */
export function withClusterProgress<T>(title: string, task: (report: Report, token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
      task((message) => progress.report({ message }), token),
    ),
  );
}

import vscode = require('vscode');
import { CancelledError } from '../core/cancel';
import { describeError } from '../core/errors';
import { redact } from '../core/log';
import type { Services } from './services';

export interface CommandOptions {
  /** Run inside a cancellable progress notification with this title. */
  progress?: string;
}

type Handler = (...args: unknown[]) => unknown;
type ProgressHandler = (progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken, ...args: unknown[]) => unknown;

/**
 * Registers a command with the error reporting every command shares: a failure is logged and shown once with
 * what to do; a cancellation is quiet. With `progress`, the handler runs in a cancellable notification.
 */
export function registerCommand(services: Services, id: string, handler: Handler): vscode.Disposable;
export function registerCommand(services: Services, id: string, handler: ProgressHandler, options: { progress: string }): vscode.Disposable;
export function registerCommand(services: Services, id: string, handler: Handler | ProgressHandler, options: CommandOptions = {}): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      if (options.progress) {
        return await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: options.progress, cancellable: true },
          (progress, token) => Promise.resolve((handler as ProgressHandler)(progress, token, ...args)),
        );
      }
      return await (handler as Handler)(...args);
    } catch (err) {
      if (err instanceof CancelledError || (err instanceof vscode.CancellationError)) {
        services.logger.info(`${id}: cancelled`);
        return undefined;
      }
      const message = redact(describeError(err));
      services.logger.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice) services.log.show(true);
      });
      return undefined;
    }
  });
}

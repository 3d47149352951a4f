import vscode = require('vscode');
import { type Logger, redact } from '../core/log';

/** The "OKD" log channel, and the core Logger that writes to it (credentials redacted). */
export function createLog(): { channel: vscode.LogOutputChannel; logger: Logger } {
  const channel = vscode.window.createOutputChannel('OKD', { log: true });
  const logger: Logger = {
    trace: (message) => channel.trace(redact(message)),
    debug: (message) => channel.debug(redact(message)),
    info: (message) => channel.info(redact(message)),
    warn: (message) => channel.warn(redact(message)),
    error: (message) => channel.error(redact(message)),
  };
  return { channel, logger };
}

/** What core code logs through. The CLI writes to stderr; the extension writes to its "OKD" log channel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Removes anything that looks like a credential from text about to be logged. */
export function redact(text: string): string {
  return text
    .replace(/(authorization:\s*)(basic|bearer)\s+\S+/gi, '$1$2 <redacted>')
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 <redacted>')
    .replace(/([?&](?:access_token|token|password|refresh_token)=)[^&\s]+/gi, '$1<redacted>')
    .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1<redacted>@');
}

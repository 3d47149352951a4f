import vscode = require('vscode');
import { setProxySettings } from '../core/http';

/**
 * VS Code's `http.proxy` (and `http.noProxy`) for the registry and release controller clients. Set, it is the
 * proxy for http and https alike, as VS Code uses it; its noProxy hosts add to NO_PROXY. Empty, the environment
 * (HTTPS_PROXY/HTTP_PROXY/NO_PROXY) decides, as in the CLI.
 */
export function applyProxySetting(): void {
  const http = vscode.workspace.getConfiguration('http');
  const proxy = (http.get<string>('proxy') ?? '').trim();
  if (!proxy) return setProxySettings(undefined);
  const noProxy = [...(http.get<string[]>('noProxy') ?? []), process.env.NO_PROXY || process.env.no_proxy || ''].filter(Boolean).join(',');
  const source = 'the http.proxy setting';
  setProxySettings({ httpProxy: proxy, httpsProxy: proxy, httpProxySource: source, httpsProxySource: source, ...(noProxy ? { noProxy } : {}) });
}

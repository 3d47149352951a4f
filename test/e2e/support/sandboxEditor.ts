// The editor as `npm start` opens it: the sandbox (registry, release controller, test cluster), the demo workspace
// as an operator checkout, code-server with the extension loaded and Chromium on its workbench. stop() ends all of
// it, in reverse order, and removes the temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Sandbox, startSandbox } from '../../support/sandbox';
import { writeDemoWorkspace } from '../../support/sandbox/workspace';
import { launchBrowser, type Browser } from './browser';
import { repoRoot, startCodeServer, type CodeServer } from './codeServer';
import { buildExtension } from './extension';
import { openWorkbench } from './ui';

export interface SandboxEditor {
  sandbox: Sandbox;
  /** The temp folder: `workspace/` is the folder open in the editor. */
  root: string;
  server: CodeServer;
  browser: Browser;
  stop(): Promise<void>;
}

export async function startSandboxEditor(name: string): Promise<SandboxEditor> {
  await buildExtension();
  const parts: Partial<SandboxEditor> = {};
  const stop = async () => {
    await parts.browser?.close();
    await parts.server?.stop();
    await parts.sandbox?.stop();
    if (parts.root) fs.rmSync(parts.root, { recursive: true, force: true });
  };
  try {
    const sandbox = (parts.sandbox = await startSandbox());
    const root = (parts.root = fs.mkdtempSync(path.join(os.tmpdir(), `okd-e2e-${name}-`)));
    const workspace = path.join(root, 'workspace');
    writeDemoWorkspace(workspace, sandbox, { checkout: true });
    const server = (parts.server = await startCodeServer({ workspace, extensionDevelopmentPath: repoRoot, settings: { ...sandbox.settings, 'okd.cacheDir': path.join(root, 'cache') } }));
    const browser = (parts.browser = await launchBrowser());
    await openWorkbench(browser.page, server.workbenchUrl());
    return { sandbox, root, server, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

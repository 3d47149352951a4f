import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Sandbox, startSandbox } from '../../support/sandbox';
import { writeDemoWorkspace } from '../../support/sandbox/workspace';

/** What the extension-host suites read from OKD_E2E_SANDBOX. */
export interface SandboxInfo {
  registry: string;
  releaseController: string;
  releases: string[];
  streams: { name: string; tags: { name: string; phase: string; pullSpec: string }[] }[];
  workspace: string;
  cacheDir: string;
}

export interface World {
  sandbox: Sandbox;
  info: SandboxInfo;
  /** okd.* settings for code-server's user settings. */
  settings: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  workspace: string;
  stop(): Promise<void>;
}

/** The sandbox plus a demo workspace and a fresh cache, as the editor tests see them. */
export async function startWorld(): Promise<World> {
  const sandbox = await startSandbox();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-e2e-world-'));
  const workspace = path.join(root, 'workspace');
  writeDemoWorkspace(workspace, sandbox);
  const cacheDir = path.join(root, 'cache');
  const info: SandboxInfo = {
    registry: sandbox.registry,
    releaseController: sandbox.releaseController,
    releases: sandbox.releases,
    streams: sandbox.streams,
    workspace,
    cacheDir,
  };
  return {
    sandbox,
    info,
    settings: { ...sandbox.settings, 'okd.cacheDir': cacheDir },
    env: { OKD_E2E_SANDBOX: JSON.stringify(info) },
    workspace,
    stop: () => sandbox.stop(),
  };
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Sandbox, startSandbox } from '../../support/sandbox';
import { sandboxComponent, writeDemoWorkspace } from '../../support/sandbox/workspace';

/** What the extension-host suites read from OKD_E2E_SANDBOX. */
export interface SandboxInfo {
  registry: string;
  releaseController: string;
  releases: string[];
  streams: { name: string; tags: { name: string; phase: string; pullSpec: string }[] }[];
  workspace: string;
  cacheDir: string;
  /** The test cluster's kubeconfig (also in the okd.kubeconfig setting). */
  kubeconfig: string;
  /** What the cluster runs (status.desired), and an image of the next demo release to patch in. */
  cluster: { version: string; image: string; patchOperator: string; patchImage: string; payloadImage: string };
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
  if (!sandbox.cluster) throw new Error('the sandbox started without its test cluster');
  const operator = 'cluster-image-registry-operator';
  const info: SandboxInfo = {
    registry: sandbox.registry,
    releaseController: sandbox.releaseController,
    releases: sandbox.releases,
    streams: sandbox.streams,
    workspace,
    cacheDir,
    kubeconfig: sandbox.cluster.kubeconfig,
    cluster: {
      ...sandbox.cluster.release,
      patchOperator: operator,
      patchImage: sandboxComponent(sandbox, 1, operator),
      payloadImage: sandboxComponent(sandbox, 0, operator),
    },
  };
  return {
    sandbox,
    info,
    settings: { ...sandbox.settings, 'okd.cacheDir': cacheDir },
    // git's url.<base>.insteadOf for the sandbox's source repositories: Compare's changelog reads them.
    env: { OKD_E2E_SANDBOX: JSON.stringify(info), ...sandbox.gitEnv },
    workspace,
    stop: () => sandbox.stop(),
  };
}

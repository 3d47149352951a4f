// Workspace awareness in the editor: which payload component the open checkout builds (okd.workspace.component),
// and the Build, Push & Patch CodeLens on its Dockerfiles. Registering is cheap; detection starts on first need.
import vscode = require('vscode');
import { LazyCluster } from '../cluster/lazy';
import type { Services } from '../services';
import { WorkspaceAwareness } from './awareness';
import { DevLoopCodeLensProvider, DOCKERFILE_SELECTOR, isDockerfile } from './codeLens';

export { type LastBuild, type WorkspaceBuild, WorkspaceAwareness } from './awareness';

/**
 * Creates the awareness with the cluster's current release as what checkouts are matched against, hands it to the
 * Cluster view (found among registerCluster's disposables), and starts it when a Dockerfile is opened.
 */
export function registerWorkspace(services: Services, cluster: readonly vscode.Disposable[]): vscode.Disposable[] {
  const lazy = cluster.find((d): d is LazyCluster => d instanceof LazyCluster);
  const awareness = new WorkspaceAwareness(services, async () => (lazy ? lazy.currentReleaseImage() : undefined));
  lazy?.attachWorkspace(awareness);
  const startOn = (document: vscode.TextDocument | undefined) => {
    if (document && !awareness.isStarted && isDockerfile(document)) void awareness.ensure();
  };
  return [
    awareness,
    vscode.languages.registerCodeLensProvider(DOCKERFILE_SELECTOR, new DevLoopCodeLensProvider(awareness)),
    vscode.workspace.onDidOpenTextDocument(startOn),
    vscode.window.onDidChangeActiveTextEditor((editor) => startOn(editor?.document)),
  ];
}

import vscode = require('vscode');
import type { WorkspaceAwareness } from './awareness';

/** Dockerfile, Dockerfile.okd, Dockerfile.rhel9, Containerfile...: the files the loop's title action and lens are on. */
export const DOCKERFILE_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/{Dockerfile,Dockerfile.*,Containerfile,Containerfile.*}' },
];

export function isDockerfile(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && /^(Dockerfile|Containerfile)(\..*)?$/.test(document.uri.path.split('/').pop() ?? '');
}

/**
 * "$(run-all) Build, Push & Patch <component>" above the first line of a Dockerfile of a checkout that builds a
 * payload component. Asked for lenses before detection ran, it starts detection and answers again when it ends.
 */
export class DevLoopCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly awareness: WorkspaceAwareness) {
    this.onDidChangeCodeLenses = awareness.onDidChange;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isDockerfile(document)) return [];
    if (!this.awareness.isStarted) {
      void this.awareness.ensure();
      return [];
    }
    const build = this.awareness.buildFor(document.uri.fsPath);
    if (!build) return [];
    const where = build.placements[0];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: `$(run-all) Build, Push & Patch ${build.component}`,
        tooltip: `Build ${build.component} from ${build.root}, push it to okd.devRepository${where ? ` and run it as ${where.kind} ${where.namespace}/${where.name}` : ''} in the cluster`,
        command: 'okd.devLoop',
        arguments: [{ path: build.root }],
      }),
    ];
  }
}

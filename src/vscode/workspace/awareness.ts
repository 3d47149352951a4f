import * as path from 'node:path';
import vscode = require('vscode');
import { describeError, OkdError } from '../../core/errors';
import { describeWorkspaceComponent, matchWorkspaceFiles, readWorkspaceFiles, type WorkspaceFiles } from '../../core/workspace';
import type { ComponentPlacement } from '../../core/workspace/match';
import { builtOperatorRows, WORKSPACE_OPERATOR_ROWS_KEY } from '../releases/operatorRows';
import type { Services } from '../services';

/** The last Build, Push & Patch of a checkout: what runs in the cluster now. */
export interface LastBuild {
  /** The pushed image by digest. */
  image: string;
  tagPullSpec: string;
  commit: string;
  dirty: boolean;
  /** ISO time the image was built. */
  builtAt: string;
  builder: string;
  /** `Deployment namespace/name`, when it was patched. */
  deployment?: string;
  rollout?: string;
  /** `prepare 0.2 s, build 0.9 s, ...` */
  stageTimes: string;
}

/** "This workspace builds X": a checkout, the payload component it builds, and where that runs. */
export interface WorkspaceBuild {
  /** The checkout's top folder (git root). */
  root: string;
  component: string;
  placements: ComponentPlacement[];
  /** Dockerfiles relative to root, OKD first. */
  dockerfiles: string[];
  /** The payload the checkout was matched against. */
  release: { version: string; image: string };
  /** One sentence, as `okd-dev dev which` says it. */
  description: string;
  lastBuild?: LastBuild;
}

/** Where the payload to match against comes from: the connected cluster's current release (undefined: none). */
export type ReleaseSource = () => Promise<string | undefined>;

const LAST_BUILDS_KEY = 'okd.devLoop.lastBuilds';
export const WORKSPACE_CONTEXT_KEY = 'okd.workspace.component';

function samePathOrInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Which payload component the open folders build. Never started by activate(): the first Dockerfile opened, the
 * CodeLens provider or the Cluster view starts it. The first step is cheap and local (git remotes and Dockerfiles
 * through core, argv only); only a folder that is a git checkout with remotes asks for the cluster's release,
 * which the match needs. Sets `okd.workspace.component` for the menus.
 */
export class WorkspaceAwareness implements vscode.Disposable {
  private builds: WorkspaceBuild[] = [];
  /** Checkouts a loop ran on that are not workspace folders (a loop given a path). */
  private readonly extraRoots = new Set<string>();
  private running: Promise<WorkspaceBuild[]> | undefined;
  private started = false;
  private generation = 0;
  private matchedRelease: string | undefined;
  /** Some folder is a git checkout with remotes: only then does a new release mean matching again. */
  private checkoutsFound = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly services: Services,
    private readonly releaseSource: ReleaseSource,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        if (this.started) void this.refresh();
      }),
    );
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** What is known now (empty until detection has run). */
  current(): readonly WorkspaceBuild[] {
    return this.builds;
  }

  /** The checkout holding `file`, when it builds a component. */
  buildFor(file: string): WorkspaceBuild | undefined {
    return this.builds.find((b) => samePathOrInside(file, b.root));
  }

  /** Starts detection once; later calls wait for it. */
  ensure(): Promise<readonly WorkspaceBuild[]> {
    if (!this.started) {
      this.started = true;
      return this.refresh();
    }
    return this.running ?? Promise.resolve(this.builds);
  }

  /** The cluster's release changed (an upgrade, another context): match again against it, once started. */
  releaseChanged(image: string | undefined): void {
    if (!this.started || !image || image === this.matchedRelease || !this.checkoutsFound) return;
    this.matchedRelease = image;
    void this.refresh();
  }

  /** Detects again (new folders, a new release). */
  refresh(): Promise<WorkspaceBuild[]> {
    const generation = ++this.generation;
    const run = this.detect().then(
      (builds) => {
        if (generation === this.generation) this.set(builds);
        return builds;
      },
      (err: unknown) => {
        this.services.logger.warn(`workspace: ${describeError(err)}`);
        return this.builds;
      },
    );
    this.running = run.finally(() => {
      if (generation === this.generation) this.running = undefined;
    });
    return this.running;
  }

  /** After a loop: remembers its result (shown in the Cluster view) and the checkout, even outside the workspace. */
  async recordBuild(root: string, build: Omit<WorkspaceBuild, 'lastBuild' | 'root'>, last: LastBuild): Promise<void> {
    const key = path.resolve(root);
    const stored = { ...this.storedBuilds(), [key]: last };
    await this.services.context.workspaceState.update(LAST_BUILDS_KEY, stored);
    const known = this.builds.find((b) => b.root === key);
    if (known) known.lastBuild = last;
    else {
      this.extraRoots.add(key);
      this.builds = [...this.builds, { ...build, root: key, lastBuild: last }];
    }
    this.started = true;
    this.checkoutsFound = true;
    this.matchedRelease ??= build.release.image;
    this.publish();
  }

  private storedBuilds(): Record<string, LastBuild> {
    return this.services.context.workspaceState.get<Record<string, LastBuild>>(LAST_BUILDS_KEY, {});
  }

  private set(builds: WorkspaceBuild[]): void {
    const stored = this.storedBuilds();
    this.builds = builds.map((b) => (stored[b.root] ? { ...b, lastBuild: stored[b.root] } : b));
    this.publish();
  }

  private publish(): void {
    void vscode.commands.executeCommand('setContext', WORKSPACE_CONTEXT_KEY, this.builds[0]?.component ?? false);
    // The Release Explorer's operator rows these checkouts build (Build, Push & Patch on the row).
    void vscode.commands.executeCommand('setContext', WORKSPACE_OPERATOR_ROWS_KEY, builtOperatorRows(this.builds.map((b) => b.component)));
    this.changed.fire();
  }

  private async detect(): Promise<WorkspaceBuild[]> {
    const logger = this.services.logger;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const dirs = [...new Set([...folders, ...this.extraRoots])];
    // Step 1, local: which folders are git checkouts with remotes (three git calls each, no network).
    const read = await Promise.all(
      dirs.map((dir) =>
        readWorkspaceFiles(dir, { logger }).then(
          (files): WorkspaceFiles | undefined => (files.git.remotes.length ? files : undefined),
          (err: unknown) => {
            logger.debug(`workspace: ${dir}: ${describeError(err)}`);
            return undefined;
          },
        ),
      ),
    );
    const checkouts = read.filter((f): f is WorkspaceFiles => f !== undefined);
    this.checkoutsFound = checkouts.length > 0;
    if (!checkouts.length) {
      logger.info(`workspace: no git checkout with remotes among ${dirs.length} folder(s)`);
      return [];
    }
    // Step 2: the payload the remotes are matched against (the cluster's; this is what may connect).
    const image = await this.releaseSource();
    if (!image) {
      logger.info('workspace: no cluster release to match the checkout against (connect a cluster in the Cluster view)');
      return [];
    }
    this.matchedRelease = image;
    const release = this.services.library.get(image) ?? (await this.services.library.load(image));
    const builds: WorkspaceBuild[] = [];
    const seen = new Set<string>();
    for (const files of checkouts) {
      if (seen.has(files.git.root)) continue;
      seen.add(files.git.root);
      try {
        const ws = matchWorkspaceFiles(files, release);
        const description = describeWorkspaceComponent(ws.match);
        logger.info(`workspace: ${files.git.root}: ${description}`);
        builds.push({
          root: path.resolve(files.git.root),
          component: ws.match.component,
          placements: ws.match.placements,
          dockerfiles: ws.dockerfiles,
          release: { version: release.version, image },
          description,
        });
      } catch (err) {
        if (!(err instanceof OkdError)) throw err;
        logger.info(`workspace: ${files.git.root}: ${err.message}`);
      }
    }
    return builds;
  }

  dispose(): void {
    this.generation++;
    for (const d of this.disposables) d.dispose();
  }
}

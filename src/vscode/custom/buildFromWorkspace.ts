import * as path from 'node:path';
import vscode = require('vscode');
import type { DevLoopStage } from '../../core/devloop/stages';
import type { ReleaseBuildResult } from '../../core/release/build';
import type { Services } from '../services';
import { devRepository, readBuildSettings } from '../workspace/devLoopSettings';

/** The file folders of the workspace: each one an operator checkout. */
export function workspaceCheckouts(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

export interface WorkspaceBuildRequest {
  release: string;
  dirs: string[];
  to: string;
  name?: string;
  force?: boolean;
  /** Extra environment of the build command (GOCACHE, GOFLAGS...). */
  env?: Record<string, string>;
}

/** Each checkout's stages so far, in the order they started: what it has done stays in the notification. */
type CheckoutStages = { name: string; stages: Map<string, DevLoopStage['state']> };

/**
 * `cluster-samples-operator: prepare done, build running` for each checkout, joined, then what the payload is
 * doing (`reading ... back`) once the checkouts are pushed: what the notification shows.
 */
function progressText(checkouts: Iterable<CheckoutStages>, payload?: string): string {
  const text = [...checkouts]
    .map((c) => `${c.name}: ${[...c.stages].map(([stage, state]) => `${stage} ${state}`).join(', ')}`)
    .join('; ');
  return payload ? (text ? `${text}; ${payload}` : payload) : text;
}

/**
 * Build Custom Release from the workspace folders: `okd-dev release build` in a cancellable notification that
 * shows each checkout's stage. Cancel stops every build (their processes too) and pushes no payload. The builder is
 * okd.devLoop.builder when set, else the append path with the Dockerfile where it does not apply.
 */
export async function buildFromWorkspace(services: Services, request: WorkspaceBuildRequest): Promise<ReleaseBuildResult> {
  // The dev loop's code comes with the cluster code, in dist/cluster.js: loaded now, never at activation.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dist/cluster.js, external to this bundle
  const { buildRelease } = require('./cluster.js') as typeof import('../cluster/main');
  const configured = vscode.workspace.getConfiguration('okd.devLoop').inspect<string>('builder');
  const chosen = configured?.workspaceFolderValue ?? configured?.workspaceValue ?? configured?.globalValue;
  const settings = readBuildSettings(request.env ? { env: request.env } : {});
  if (chosen === undefined) delete settings.builder;
  const platform = services.platform();
  const logger = services.logger;
  const componentsTo = devRepository();
  logger.info(`okd.createCustomRelease: building ${request.dirs.join(', ')} on ${request.release} -> ${request.to}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Building custom release ${request.to} from ${request.dirs.length} checkouts`, cancellable: true },
    (progress, token) => {
      const checkouts = new Map<string, CheckoutStages>();
      let payload = '';
      return buildRelease({
        registry: services.registry(),
        cache: services.cache(),
        from: request.release,
        dirs: request.dirs,
        to: request.to,
        ...(componentsTo ? { componentsTo } : {}),
        ...(request.name ? { name: request.name } : {}),
        ...(request.force ? { force: true } : {}),
        ...(platform ? { platform } : {}),
        settings,
        token,
        logger,
        progress: (message) => {
          if (!message) return;
          payload = message;
          progress.report({ message: progressText(checkouts.values(), payload) });
        },
        onCheckout: (p) => {
          const checkout = checkouts.get(p.dir) ?? { name: path.basename(p.dir), stages: new Map() };
          checkout.name = p.component ?? checkout.name;
          // Not yet begun, or never run here (a payload build neither patches nor rolls out): not shown.
          if (p.stage.state !== 'pending' && p.stage.state !== 'skipped') checkout.stages.set(p.stage.name, p.stage.state);
          checkouts.set(p.dir, checkout);
          if (p.stage.state !== 'running') logger.info(`okd.createCustomRelease: ${checkout.name} ${p.stage.name} ${p.stage.state}${p.stage.detail ? `: ${p.stage.detail}` : ''}`);
          progress.report({ message: progressText(checkouts.values(), payload) });
        },
        onLine: (dir, line) => logger.info(`okd.createCustomRelease | ${path.basename(dir)}: ${line}`),
      });
    },
  );
}

import vscode = require('vscode');

export interface ReleaseControllerSetting {
  url: string;
  streams: string[];
}

/** The `okd.*` settings, read fresh each time (they are cheap to read and change at any time). */
export interface OkdSettings {
  releaseControllers: ReleaseControllerSetting[];
  releaseRepositories: string[];
  pinnedReleases: string[];
  registryAuthFile: string;
  insecureRegistries: string[];
  registryCaFile: string;
  cacheDir: string;
  manifestCacheMB: number;
  platform: string;
  hoverEnabled: boolean;
  hoverResolveTags: boolean;
  kubeconfig: string;
  context: string;
  rolloutTimeoutSeconds: number;
}

export function readSettings(): OkdSettings {
  const c = vscode.workspace.getConfiguration('okd');
  return {
    releaseControllers: (c.get<ReleaseControllerSetting[]>('releaseControllers') ?? []).map((rc) => ({ url: rc.url, streams: rc.streams ?? [] })),
    releaseRepositories: c.get<string[]>('releaseRepositories') ?? [],
    pinnedReleases: c.get<string[]>('pinnedReleases') ?? [],
    registryAuthFile: c.get<string>('registryAuthFile') ?? '',
    insecureRegistries: c.get<string[]>('insecureRegistries') ?? [],
    registryCaFile: c.get<string>('registryCaFile') ?? '',
    cacheDir: c.get<string>('cacheDir') ?? '',
    manifestCacheMB: c.get<number>('manifestCacheMB') ?? 16,
    platform: c.get<string>('platform') ?? 'linux/amd64',
    hoverEnabled: c.get<boolean>('hover.enabled') ?? true,
    hoverResolveTags: c.get<boolean>('hover.resolveTags') ?? true,
    kubeconfig: c.get<string>('kubeconfig') ?? '',
    context: c.get<string>('context') ?? '',
    rolloutTimeoutSeconds: c.get<number>('rolloutTimeoutSeconds') ?? 600,
  };
}

/** Adds a pullspec to `okd.pinnedReleases` (user settings), keeping the order and no duplicates. */
export async function pinRelease(pullSpec: string): Promise<void> {
  const pinned = readSettings().pinnedReleases;
  if (pinned.includes(pullSpec)) return;
  await vscode.workspace.getConfiguration('okd').update('pinnedReleases', [...pinned, pullSpec], vscode.ConfigurationTarget.Global);
}

export async function unpinRelease(pullSpec: string): Promise<void> {
  const pinned = readSettings().pinnedReleases;
  await vscode.workspace.getConfiguration('okd').update('pinnedReleases', pinned.filter((p) => p !== pullSpec), vscode.ConfigurationTarget.Global);
}

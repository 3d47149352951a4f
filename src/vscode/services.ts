import * as path from 'node:path';
import vscode = require('vscode');
import type { Logger } from '../core/log';
import { RegistryClient } from '../core/registry/client';
import { parsePlatform, type Platform } from '../core/registry/types';
import { defaultCacheDir, ReleaseCache } from '../core/release/cache';
import { ReleaseLibrary } from '../core/release/library';
import { createLog } from './log';
import { applyProxySetting } from './proxySetting';
import { readSettings } from './settings';

/**
 * What the editor features share: the log, the registry client for the current settings, the payload cache and
 * the release library. Created in activate() without touching the network or the disk.
 */
export class Services implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly logger: Logger;
  readonly library: ReleaseLibrary;
  private registryClient: RegistryClient | undefined;
  private releaseCache: ReleaseCache | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    const { channel, logger } = createLog();
    this.log = channel;
    this.logger = logger;
    this.library = new ReleaseLibrary({
      registry: () => this.registry(),
      cache: () => this.cache(),
      platform: () => this.platform(),
      logger,
      manifestCacheBytes: () => readSettings().manifestCacheMB * 1024 * 1024,
    });
    applyProxySetting();
    this.disposables.push(
      channel,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('http.proxy') || event.affectsConfiguration('http.noProxy')) applyProxySetting();
        if (event.affectsConfiguration('okd')) {
          this.registryClient = undefined;
          this.releaseCache = undefined;
        }
      }),
    );
  }

  /** The registry client for the current settings (auth file, insecure hosts, CA). */
  registry(): RegistryClient {
    if (!this.registryClient) {
      const settings = readSettings();
      this.registryClient = new RegistryClient({
        authFile: settings.registryAuthFile || undefined,
        insecure: settings.insecureRegistries,
        caFile: settings.registryCaFile || undefined,
        logger: this.logger,
      });
    }
    return this.registryClient;
  }

  cache(): ReleaseCache {
    if (!this.releaseCache) {
      const dir = readSettings().cacheDir;
      this.releaseCache = new ReleaseCache(dir ? path.resolve(dir) : defaultCacheDir());
    }
    return this.releaseCache;
  }

  platform(): Platform | undefined {
    try {
      return parsePlatform(readSettings().platform);
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

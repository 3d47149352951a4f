import vscode = require('vscode');
import type { Builder, BuildSettings } from '../../core/build/settings';
import { parsePullspec } from '../../core/pullspec';
import { readSettings } from '../settings';

const BUILDER_VALUES = ['append', 'auto', 'podman', 'buildah', 'docker'] as const;

export function isBuilder(value: unknown): value is Builder | 'auto' {
  return typeof value === 'string' && (BUILDER_VALUES as readonly string[]).includes(value);
}

/** okd.devRepository, trimmed ('' when unset). */
export function devRepository(): string {
  return (vscode.workspace.getConfiguration('okd').get<string>('devRepository') ?? '').trim();
}

export async function saveDevRepository(repository: string): Promise<void> {
  await vscode.workspace.getConfiguration('okd').update('devRepository', repository, vscode.ConfigurationTarget.Global);
}

/** '' when `text` is a repository to push to (no tag, no digest), else why not. */
export function validateDevRepository(text: string): string | undefined {
  const value = text.trim();
  if (!value) return 'a repository, like quay.io/me/okd-dev';
  try {
    const ref = parsePullspec(value);
    if (ref.tag || ref.digest) return `the repository only, without a tag or digest: ${ref.registry}/${ref.repository}`;
    return undefined;
  } catch {
    return `"${value}" is not a registry/repository`;
  }
}

function stringValues(value: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(value ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function text(c: vscode.WorkspaceConfiguration, key: string): string | undefined {
  const value = (c.get<string>(key) ?? '').trim();
  return value || undefined;
}

/**
 * The okd.devLoop.* settings as core BuildSettings, with registry access for container tools from the okd.*
 * registry settings (insecure hosts, auth file). `builder` and `env` (extra environment of the build command, for
 * GOCACHE/GOFLAGS...) override the settings (okd.devLoop.builder, okd.devLoop.buildEnv): Build, Push & Patch takes
 * them as arguments.
 */
export function readBuildSettings(overrides: { builder?: Builder | 'auto'; env?: Record<string, string> } = {}): BuildSettings {
  const c = vscode.workspace.getConfiguration('okd.devLoop');
  const okd = readSettings();
  const configured = c.get<string>('builder');
  const buildCommand = (c.get<string[]>('buildCommand') ?? []).filter((a) => typeof a === 'string' && a !== '');
  const buildArgs = c.get<Record<string, string>>('buildArgs') ?? {};
  // The command's `env` argument wins over the setting, key by key.
  const buildEnv = { ...stringValues(c.get<Record<string, unknown>>('buildEnv')), ...overrides.env };
  const tool = {
    ...(text(c, 'storageDriver') ? { storageDriver: text(c, 'storageDriver') } : {}),
    ...(text(c, 'isolation') ? { isolation: text(c, 'isolation') } : {}),
    ...(text(c, 'root') ? { root: text(c, 'root') } : {}),
    ...(text(c, 'runroot') ? { runroot: text(c, 'runroot') } : {}),
    ...(text(c, 'cgroupManager') ? { cgroupManager: text(c, 'cgroupManager') } : {}),
    ...(text(c, 'eventsBackend') ? { eventsBackend: text(c, 'eventsBackend') } : {}),
  };
  return {
    builder: overrides.builder ?? (isBuilder(configured) ? configured : 'append'),
    ...(buildCommand.length ? { buildCommand } : {}),
    ...(Object.keys(buildEnv).length ? { buildEnv } : {}),
    ...(text(c, 'dockerfile') ? { dockerfile: text(c, 'dockerfile') } : {}),
    ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
    ...(text(c, 'baseImage') ? { baseImage: text(c, 'baseImage') } : {}),
    ...(text(c, 'builderImage') ? { builderImage: text(c, 'builderImage') } : {}),
    prebuild: c.get<boolean>('prebuild') ?? false,
    pushWith: c.get<string>('pushWith') === 'client' ? 'client' : 'tool',
    tool,
    access: {
      ...(okd.insecureRegistries.length ? { insecure: okd.insecureRegistries } : {}),
      ...(okd.registryAuthFile ? { authFile: okd.registryAuthFile } : {}),
    },
  };
}

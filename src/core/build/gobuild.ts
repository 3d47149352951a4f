import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { OkdError } from '../errors';
import type { ExternalCommand } from './command';

/** The default build: a static linux binary of the operator's main package, like the Dockerfiles' builder stage. */
export const DEFAULT_BUILD_COMMAND = ['go', 'build', '-o', '{output}', '{package}'];

async function isMainPackage(dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'));
  } catch {
    return false;
  }
  for (const name of names) {
    const text = await fs.readFile(path.join(dir, name), 'utf8');
    if (/^\s*package\s+main\s*$/m.test(text)) return true;
  }
  return false;
}

/**
 * The operator's main package, as `./cmd/<name>`: the first of `names` (binary, component) under cmd/, else the only
 * main package under cmd/, else the repository root when it is one.
 */
export async function findMainPackage(root: string, names: string[]): Promise<string> {
  for (const name of names) if (name && (await isMainPackage(path.join(root, 'cmd', name)))) return `./cmd/${name}`;
  let subs: string[] = [];
  try {
    subs = (await fs.readdir(path.join(root, 'cmd'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    // no cmd/
  }
  const mains: string[] = [];
  for (const sub of subs) if (await isMainPackage(path.join(root, 'cmd', sub))) mains.push(sub);
  if (mains.length === 1) return `./cmd/${mains[0]}`;
  if (await isMainPackage(root)) return '.';
  throw new OkdError(
    'not-found',
    mains.length ? `${root} has several main packages under cmd/ (${mains.join(', ')}) and none is named ${names.filter(Boolean).join(' or ')}` : `${root} has no Go main package (cmd/<name>/ or the root)`,
    'set the build command (okd.devLoop.buildCommand, or --build-command) to build the operator binary to {output}',
  );
}

/** GOARCH for a Node.js `process.arch` (undefined when Go has no such port). */
export function goArchitecture(arch: string): string | undefined {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };
  return map[arch];
}

export interface BuildCommandSpec {
  root: string;
  /** Where the binary must end up. */
  output: string;
  /** The main package (`./cmd/x`); substituted for {package}. */
  package: string;
  /** argv with {output} and {package} placeholders; default DEFAULT_BUILD_COMMAND. */
  argv?: string[];
  /** GOARCH of the image (amd64, arm64, ...). */
  architecture?: string;
  env?: Record<string, string>;
}

/** The repository's build command as data: CGO off and the image's OS and architecture, so the binary runs there. */
export function buildCommand(spec: BuildCommandSpec): ExternalCommand {
  const argv = (spec.argv?.length ? spec.argv : DEFAULT_BUILD_COMMAND).map((a) => a.split('{output}').join(spec.output).split('{package}').join(spec.package));
  const [command, ...args] = argv as [string, ...string[]];
  return {
    command,
    args,
    cwd: spec.root,
    env: { CGO_ENABLED: '0', GOOS: 'linux', ...(spec.architecture ? { GOARCH: spec.architecture } : {}), ...(spec.env ?? {}) },
  };
}

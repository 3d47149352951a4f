import * as fs from 'node:fs';
import * as path from 'node:path';
import { OkdError } from '../errors';

export type ContainerTool = 'podman' | 'buildah' | 'docker';
export const CONTAINER_TOOLS: readonly ContainerTool[] = ['podman', 'buildah', 'docker'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The full path of `name` on PATH (like `which`), or undefined. */
export function which(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * The container tool to build with: the chosen one (it must be on PATH), else the first of podman, buildah, docker
 * found on PATH.
 */
export function detectContainerTool(chosen: ContainerTool | 'auto' | undefined, pathEnv?: string): ContainerTool {
  if (chosen && chosen !== 'auto') {
    if (!which(chosen, pathEnv)) throw new OkdError('not-found', `${chosen} is not installed (not found on PATH)`, `install ${chosen}, or choose another builder (append needs no container engine)`);
    return chosen;
  }
  const found = CONTAINER_TOOLS.find((tool) => which(tool, pathEnv));
  if (!found) throw new OkdError('not-found', 'none of podman, buildah or docker is on PATH', 'install one, or use the append builder, which needs no container engine');
  return found;
}

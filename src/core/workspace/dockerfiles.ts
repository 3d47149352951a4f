import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Where a Dockerfile name ranks: OKD first, then the plain one, then the product variants. Lower is better. */
export function dockerfileRank(name: string): number {
  const base = path.basename(name);
  if (/^Dockerfile\.okd$/i.test(base)) return 0;
  if (base === 'Dockerfile') return 1;
  if (base === 'Containerfile') return 2;
  if (/^Containerfile\.okd$/i.test(base)) return 0;
  if (/^Dockerfile\.rhel\d*$/i.test(base)) return 3;
  if (/^Dockerfile\.ocp$/i.test(base)) return 4;
  if (/^(Dockerfile|Containerfile)\.[\w.-]+$/.test(base)) return 5;
  return -1;
}

/** Orders candidate Dockerfiles (paths relative to the repository): best rank first, shallower first, then by name. */
export function rankDockerfiles(files: string[]): string[] {
  return files
    .filter((f) => dockerfileRank(f) >= 0)
    .sort((a, b) => dockerfileRank(a) - dockerfileRank(b) || a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** Dockerfiles at the top of the repository and one level under `images/` and `build/`, best first. */
export async function findDockerfiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const scan = async (rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isFile() && dockerfileRank(entry.name) >= 0) found.push(rel ? `${rel}/${entry.name}` : entry.name);
  };
  const nested = async (dir: string) => {
    let subs: import('node:fs').Dirent[];
    try {
      subs = await fs.readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all([scan(dir), ...subs.filter((sub) => sub.isDirectory()).map((sub) => scan(`${dir}/${sub.name}`))]);
  };
  // Every folder at once; the order found is irrelevant, rankDockerfiles sorts.
  await Promise.all([scan(''), nested('images'), nested('build')]);
  return rankDockerfiles(found);
}

import { execFile } from 'node:child_process';
import type { TestRegistry } from './registry';

export interface SkopeoResult {
  stdout: string;
  stderr: string;
}

/** The TLS and credential flags skopeo needs for a test registry. */
export function skopeoFlags(registry: TestRegistry): string[] {
  const flags = registry.certDir ? [`--cert-dir=${registry.certDir}`] : ['--tls-verify=false'];
  flags.push(registry.username ? `--creds=${registry.username}:${registry.password}` : '--no-creds');
  return flags;
}

function run(args: string[]): Promise<SkopeoResult> {
  return new Promise((resolve, reject) => {
    // A throwaway auth file location keeps skopeo away from the user's real one.
    const env = { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent/okd-test-auth.json' };
    execFile('skopeo', args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`skopeo ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** `skopeo inspect docker://<host>/<ref>`; `raw` gives the manifest bytes as stored. */
export async function skopeoInspect(ref: string, registry: TestRegistry, options: { raw?: boolean } = {}): Promise<string> {
  const args = ['inspect', ...skopeoFlags(registry), ...(options.raw ? ['--raw'] : []), `docker://${registry.host}/${ref}`];
  return (await run(args)).stdout;
}

/** `skopeo copy docker://<host>/<ref> dir:<dstDir>` (the source side gets the registry's flags). */
export async function skopeoCopy(ref: string, registry: TestRegistry, dstDir: string): Promise<void> {
  const flags = skopeoFlags(registry).map((f) => f.replace(/^--/, '--src-'));
  await run(['copy', ...flags, `docker://${registry.host}/${ref}`, `dir:${dstDir}`]);
}

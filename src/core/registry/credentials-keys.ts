import type { AuthEntry, AuthFileContents } from './authfile';

const dockerHubAliases = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Whether `registry` is Docker Hub under one of its names. */
export function isDockerHub(registry: string): boolean {
  return dockerHubAliases.has(registry.toLowerCase());
}

/**
 * The host an auth key stands for, compared after no key matched exactly: a key with a scheme is a legacy Docker
 * key and keeps only its host (`https://index.docker.io/v1/` -> `docker.io`); one without keeps its path.
 * Docker Hub's names become `docker.io`.
 */
export function normalizeAuthKey(key: string): string {
  let k = key.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(k);
  if (scheme) {
    k = k.slice(scheme[0].length);
    k = k.split('/')[0] ?? k;
  }
  k = k.replace(/\/+$/, '');
  const [host, ...rest] = k.split('/');
  const h = (host ?? '').toLowerCase();
  return [dockerHubAliases.has(h) ? 'docker.io' : h, ...rest].join('/');
}

/** The keys tried as written, most specific first: `quay.io/okd/foo`, `quay.io/okd`, `quay.io`. */
export function lookupKeys(registry: string, repository: string): string[] {
  // As distribution/reference names it: index.docker.io is docker.io; other hosts stay as written.
  const host = registry === 'index.docker.io' ? 'docker.io' : registry;
  const parts = repository.split('/').filter(Boolean);
  const keys: string[] = [];
  for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join('/')}`);
  keys.push(host);
  return keys;
}

/**
 * The entry for `registry/repository`, as containers/image picks it: the exact keys most specific first (a legacy
 * file only the host), then the first key that normalises to the registry's host (`https://quay.io/v1/`,
 * `index.docker.io`). Namespaced keys match only exactly.
 */
export function findAuthEntry(
  contents: AuthFileContents,
  registry: string,
  repository: string,
  legacy: boolean,
): { key: string; entry: AuthEntry } | undefined {
  const keys = legacy ? lookupKeys(registry, '') : lookupKeys(registry, repository);
  for (const key of keys) {
    const entry = contents.auths.get(key);
    if (entry) return { key, entry };
  }
  const host = normalizeAuthKey(registry);
  for (const [key, entry] of contents.auths) {
    const normalised = normalizeAuthKey(key);
    if ((legacy ? normalised.split('/')[0] : normalised) === host) return { key, entry };
  }
  return undefined;
}

/** The `credHelpers` entry for a registry: its host exactly, else a key naming the same host (Docker's Hub key). */
export function findCredentialHelper(helpers: Map<string, string>, registry: string): { key: string; helper: string } | undefined {
  const exact = helpers.get(registry);
  if (exact) return { key: registry, helper: exact };
  const host = normalizeAuthKey(registry);
  for (const [key, helper] of helpers) if (normalizeAuthKey(key) === host) return { key, helper };
  return undefined;
}

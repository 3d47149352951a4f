/** A git remote of the workspace (`git remote -v`, fetch URLs). */
export interface GitRemote {
  name: string;
  url: string;
}

/**
 * A remote or source-location URL reduced to `host/path` so that every way of writing the same repository compares
 * equal: `git@github.com:openshift/cluster-image-registry-operator.git`,
 * `https://github.com/openshift/cluster-image-registry-operator`, `ssh://git@github.com:22/openshift/...`,
 * `https://user:token@github.com/openshift/...git/` all give `github.com/openshift/cluster-image-registry-operator`.
 * Lower case: GitHub, GitLab and friends treat owner and repository names case-insensitively. '' when it is not a URL
 * of a remote repository (a local path).
 */
export function normalizeRemoteUrl(url: string): string {
  let text = url.trim();
  if (!text) return '';
  let host: string;
  let path: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (scheme) {
    const kind = (scheme[1] as string).toLowerCase();
    if (kind === 'file') return '';
    text = scheme[2] as string;
    const slash = text.indexOf('/');
    const authority = slash >= 0 ? text.slice(0, slash) : text;
    path = slash >= 0 ? text.slice(slash + 1) : '';
    host = authority.replace(/^.*@/, '');
    // ssh://host:22/..., https://host:443/...: default ports say nothing about the repository.
    host = host.replace(/:(22|80|443|9418)$/, '');
  } else {
    // scp-like: [user@]host:path (no slash before the colon, not a Windows drive letter).
    const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.*)$/.exec(text);
    if (!scp || /^[a-z]$/i.test(scp[1] as string)) return '';
    host = scp[1] as string;
    path = scp[2] as string;
  }
  path = path
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/^\/+/, '')
    .replace(/\/{2,}/g, '/');
  if (!host || !path) return '';
  return `${host}/${path}`.toLowerCase();
}

/** `https://host/path` for a remote URL (the form `io.openshift.build.source-location` uses), or the URL as is. */
export function sourceLocationOf(url: string): string {
  const normal = normalizeRemoteUrl(url);
  if (!normal) return url;
  // Keep the original letter case of the path: labels are read by people.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/(.*)$/i.exec(url.trim());
  const scp = /^(?:[^@/]+@)?[^:/]+:(.*)$/.exec(url.trim());
  const rawPath = (scheme?.[1] ?? scp?.[1] ?? '').replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/i, '').replace(/^\/+/, '');
  const host = normal.slice(0, normal.indexOf('/'));
  return `https://${host}/${rawPath || normal.slice(host.length + 1)}`;
}

/** Parses `git remote -v`: one entry per remote, its fetch URL (the push URL when only that is listed). */
export function parseGitRemotes(output: string): GitRemote[] {
  const byName = new Map<string, { fetch?: string; push?: string }>();
  for (const line of output.split('\n')) {
    const m = /^(\S+)\s+(\S+)(?:\s+\((fetch|push)\))?\s*$/.exec(line.trim());
    if (!m) continue;
    const entry = byName.get(m[1] as string) ?? {};
    if (m[3] === 'push') entry.push ??= m[2];
    else entry.fetch ??= m[2];
    byName.set(m[1] as string, entry);
  }
  return [...byName].map(([name, e]) => ({ name, url: (e.fetch ?? e.push) as string }));
}

/**
 * Parses `git config --get-regexp '^remote\..+\.url$'`: each remote's URL as written in the config, before git's
 * `url.<base>.insteadOf` rewriting (which `git remote -v` applies). A mirror or an ssh rewrite in the user's git
 * config must not hide which upstream repository a checkout is.
 */
export function parseConfiguredRemoteUrls(output: string): GitRemote[] {
  const remotes: GitRemote[] = [];
  for (const line of output.split('\n')) {
    const m = /^remote\.(.+)\.url\s+(\S+)\s*$/.exec(line.trim());
    if (m) remotes.push({ name: m[1] as string, url: m[2] as string });
  }
  return remotes;
}

/** The remotes as git uses them, then any URL as written in the config that insteadOf rewrote. */
export function withConfiguredUrls(used: GitRemote[], configured: GitRemote[]): GitRemote[] {
  return [...used, ...configured.filter((c) => !used.some((u) => u.name === c.name && u.url === c.url))];
}

// Which pull-secret credentials the kubelet hands to CRI-O for an image, as k8s.io/kubernetes
// pkg/credentialprovider (keyring.go, config.go) and pkg/credentialprovider/secrets do it: one keyring built from
// all of the pod's imagePullSecrets, then the node's own (on OKD the global pull secret), every matching key's
// credentials in the keyring's order. Pure functions of the secrets' JSON.
import { OkdError } from '../errors';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKERCFG_TYPE = 'kubernetes.io/dockercfg';
export const DOCKERCFG_KEY = '.dockercfg';

/** A username and password from a pull secret, and where it came from. */
export interface PullCredential {
  username: string;
  password: string;
  /** `pull secret NS/NAME` or `global pull secret`. */
  source: string;
  /** The key of the entry as the keyring indexed it (`quay.io/okd`, `*.example.com`, `127.0.0.1:5000`). */
  key: string;
}

/** The entries of a dockerconfigjson (`{"auths": {...}}`) or a legacy dockercfg (the map itself), by key as written. */
export type DockerConfigEntries = Map<string, { username: string; password: string }>;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses a secret's `.dockerconfigjson` or `.dockercfg` as the kubelet's DockerConfigEntry does: `auth` (base64 of
 * user:password) wins over `username`/`password`. Throws (never quoting the text: it holds credentials) when it is
 * not JSON of that shape, as the kubelet then fails the pull.
 */
export function parseDockerConfig(text: string, format: 'dockerconfigjson' | 'dockercfg', what: string): DockerConfigEntries {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new OkdError('invalid-input', `${what} is not valid JSON`, 'fix the secret: its data must be a docker config');
  }
  const auths = format === 'dockerconfigjson' ? (isObject(doc) ? (doc.auths ?? {}) : undefined) : doc;
  if (!isObject(auths)) throw new OkdError('invalid-input', `${what} is not a docker config (${format === 'dockerconfigjson' ? '"auths" is not an object' : 'not an object'})`);
  const out: DockerConfigEntries = new Map();
  for (const [key, value] of Object.entries(auths)) {
    if (!isObject(value)) continue;
    let username = typeof value.username === 'string' ? value.username : '';
    let password = typeof value.password === 'string' ? value.password : '';
    if (typeof value.auth === 'string' && value.auth) {
      const decoded = Buffer.from(value.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OkdError('invalid-input', `${what}: the entry for "${key}" has an "auth" that is not base64 of user:password`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    // An entry without credentials gives CRI-O nothing: the same as no entry.
    if (username || password) out.set(key, { username, password });
  }
  return out;
}

/**
 * The key the kubelet indexes an entry under: the scheme dropped, the host kept as written (port included), a path
 * kept except a leading `/v1/` or `/v2/` (docker's legacy `https://index.docker.io/v1/` is `index.docker.io`).
 */
export function keyringKey(location: string): string | undefined {
  const rest = location.replace(/^https?:\/\//, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  let path = slash < 0 ? '' : rest.slice(slash);
  if (!host) return undefined;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path && path !== '/' ? host + path : host;
}

function splitHostPort(host: string): { parts: string[]; port: string } {
  const v6 = /^\[([^\]]*)\]:(\d*)$/.exec(host);
  if (v6) return { parts: (v6[1] as string).split('.'), port: v6[2] as string };
  const colon = host.split(':');
  if (colon.length === 2) return { parts: (colon[0] as string).split('.'), port: colon[1] as string };
  return { parts: host.split('.'), port: '' };
}

function splitSchemeless(url: string): { host: string; path: string } {
  const slash = url.indexOf('/');
  return slash < 0 ? { host: url, path: '' } : { host: url.slice(0, slash), path: url.slice(slash) };
}

/** Go's filepath.Match for one host part (no separators inside): `*`, `?`, `[...]`, `\` escapes. */
function globPartMatches(glob: string, part: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i] as string}`;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) return false; // a malformed pattern matches nothing (filepath.ErrBadPattern)
      const body = glob.slice(i + 1, end).replace(/^\^/, '!');
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`, 's').test(part);
  } catch {
    return false;
  }
}

/**
 * The kubelet's urlsMatch: the same port, the same number of host parts each matching its glob part (`*.quay.io`
 * matches `a.quay.io`, not `quay.io` nor `a.b.quay.io`), and the key's path a prefix of the image's path.
 */
export function keyMatchesImage(key: string, image: string): boolean {
  const g = splitSchemeless(key);
  const t = splitSchemeless(image);
  const gh = splitHostPort(g.host);
  const th = splitHostPort(t.host);
  if (gh.port !== th.port || gh.parts.length !== th.parts.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return gh.parts.every((p, i) => globPartMatches(p, th.parts[i] as string));
}

/** Whether the image is on Docker Hub as the kubelet's isDefaultRegistryMatch judges a name. */
function isDefaultRegistryMatch(image: string): boolean {
  const parts = image.split('/');
  const first = parts[0] ?? '';
  if (!first) return false;
  if (parts.length === 1) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

/** One BasicDockerKeyring: keys deduplicated and reverse-sorted (longer keys before their prefixes). */
export class Keyring {
  private readonly creds = new Map<string, PullCredential[]>();
  private index: string[] = [];

  /** Adds one secret's entries (several secrets share one keyring, as a pod's do). */
  add(entries: DockerConfigEntries, source: string): this {
    for (const [location, entry] of entries) {
      const key = keyringKey(location);
      if (!key) continue;
      const list = this.creds.get(key) ?? [];
      list.push({ ...entry, source, key });
      this.creds.set(key, list);
    }
    this.index = [...this.creds.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    return this;
  }

  /** Credentials for `image` (`registry/repository`, no tag), in the order the kubelet tries them. */
  lookup(image: string): PullCredential[] {
    const out: PullCredential[] = [];
    for (const key of this.index) if (keyMatchesImage(key, image)) out.push(...(this.creds.get(key) ?? []));
    if (out.length === 0 && isDefaultRegistryMatch(image)) out.push(...(this.creds.get('index.docker.io') ?? []));
    return out;
  }
}

/**
 * What the kubelet tries for `image`: the pod keyring's credentials, then the node keyring's (UnionDockerKeyring);
 * the same username and password twice is tried once, under its first source.
 */
export function credentialsForImage(image: string, podKeyring: Keyring, nodeKeyring: Keyring): PullCredential[] {
  const seen = new Set<string>();
  const out: PullCredential[] = [];
  for (const c of [...podKeyring.lookup(image), ...nodeKeyring.lookup(image)]) {
    const id = `${c.username}\0${c.password}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(c);
  }
  return out;
}

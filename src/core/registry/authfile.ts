import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OkdError } from '../errors';

/** Credentials for one registry, and the auth file they came from (so errors can name it). */
export interface Credentials {
  username: string;
  password: string;
  /** The auth file path. */
  source: string;
  /** The `auths` key that matched, e.g. `quay.io/okd`. */
  key: string;
}

export interface AuthFileOptions {
  /** `--registry-config` / `-a`: must exist when given. */
  authFile?: string;
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}

export interface AuthFileCandidate {
  path: string;
  /** An explicit file that is missing is an error; the default ones are skipped. */
  explicit: boolean;
}

/** The files searched, in order: explicit, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, ~/.config, ~/.docker. */
export function authFileCandidates(options: AuthFileOptions = {}): AuthFileCandidate[] {
  const env = options.env ?? process.env;
  const home = options.homeDir ?? os.homedir();
  const out: AuthFileCandidate[] = [];
  if (options.authFile) out.push({ path: options.authFile, explicit: true });
  if (env.REGISTRY_AUTH_FILE) out.push({ path: env.REGISTRY_AUTH_FILE, explicit: false });
  if (env.XDG_RUNTIME_DIR) out.push({ path: path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), explicit: false });
  out.push({ path: path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers', 'auth.json'), explicit: false });
  out.push({ path: path.join(home, '.docker', 'config.json'), explicit: false });
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.path) ? false : (seen.add(c.path), true)));
}

const dockerHubAliases = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Normalises an `auths` key the way containers-auth does: a key with a scheme is a legacy Docker key and keeps
 * only its host (`https://index.docker.io/v1/` -> `docker.io`); a key without one may name a repository path.
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

export interface AuthEntry {
  username: string;
  password: string;
}

/** Where `text` stops being JSON, as `line L, column C`, found by a scanner that never echoes the text. */
export function jsonErrorPosition(text: string): string {
  let offset: number;
  try {
    offset = jsonErrorOffset(text);
  } catch {
    return 'nested too deeply to locate the error';
  }
  const before = text.slice(0, offset).split('\n');
  return `at line ${before.length}, column ${(before[before.length - 1] ?? '').length + 1}`;
}

/** The offset of the first character that makes `text` invalid JSON (its length when the text ends too early). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxAt(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const string = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c === '\\') {
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      }
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          ws();
          string();
          ws();
          expect(':');
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else return void expect(close);
      }
    }
    if (c === '"') return string();
    const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    literal.lastIndex = i;
    if (!literal.test(text)) fail();
    i = literal.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (err) {
    if (err instanceof JsonSyntaxAt) return err.offset;
    throw err;
  }
  return text.length;
}

class JsonSyntaxAt {
  constructor(readonly offset: number) {}
}

/** Parses an auth file's text into normalised key -> credentials; throws an OkdError naming the file. */
export function parseAuthFile(text: string, file: string): Map<string, AuthEntry> {
  const bad = (why: string) =>
    new OkdError('invalid-input', `auth file ${file} is malformed: ${why}`, 'fix or remove the file, or log in again with `podman login`');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, which in an auth file is a credential.
    throw bad(`not valid JSON (${jsonErrorPosition(text)})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('the top level is not an object');
  const auths = (doc as { auths?: unknown }).auths;
  const out = new Map<string, AuthEntry>();
  if (auths === undefined) return out;
  if (!auths || typeof auths !== 'object' || Array.isArray(auths)) throw bad('"auths" is not an object');
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (!value || typeof value !== 'object') throw bad(`the entry for "${key}" is not an object`);
    const entry = value as { auth?: unknown; username?: unknown; password?: unknown };
    let cred: AuthEntry | undefined;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw bad(`the "auth" of "${key}" is not base64 of user:password`);
      cred = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
      cred = { username: entry.username, password: entry.password };
    }
    // An entry without credentials (credential helpers keep only `{}`) is not usable here.
    if (!cred) continue;
    const norm = normalizeAuthKey(key);
    // A namespaced key wins over a legacy one for the same host only if more specific; the first key seen wins ties.
    if (!out.has(norm)) out.set(norm, cred);
  }
  return out;
}

/** The keys to try for an image, most specific first: `quay.io/okd/foo`, `quay.io/okd`, `quay.io`. */
export function lookupKeys(registry: string, repository: string): string[] {
  const host = normalizeAuthKey(registry);
  const parts = repository.split('/').filter(Boolean);
  const keys: string[] = [];
  for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join('/')}`);
  keys.push(host);
  return keys;
}

/** Finds credentials for `registry/repository`, searching the files in order; the first file with a match wins. */
export function findCredentials(
  registry: string,
  repository: string,
  options: AuthFileOptions = {},
): Credentials | undefined {
  const keys = lookupKeys(registry, repository);
  for (const candidate of authFileCandidates(options)) {
    let text: string;
    try {
      text = fs.readFileSync(candidate.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!candidate.explicit && (code === 'ENOENT' || code === 'ENOTDIR')) continue;
      if (code === 'ENOENT') {
        throw new OkdError('invalid-input', `auth file ${candidate.path} does not exist`, 'check the --registry-config path');
      }
      throw new OkdError('invalid-input', `auth file ${candidate.path} cannot be read: ${(err as Error).message}`);
    }
    const entries = parseAuthFile(text, candidate.path);
    for (const key of keys) {
      const hit = entries.get(key);
      if (hit) return { ...hit, source: candidate.path, key };
    }
  }
  return undefined;
}
